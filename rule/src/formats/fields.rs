//! Splitting log lines into fields the way proxies write them.

/// Iterates the fields of a space-separated line. Runs of spaces or tabs
/// separate fields (Squid pads its elapsed column; ProxySG emits double
/// spaces). A field that starts with `"` runs to the next `"` that is
/// followed by whitespace or the end, so quoted user agents may hold spaces
/// and even stray quotes; the quotes are removed. `[...]` is kept whole
/// when `brackets` is set (the common log format's timestamp).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: &'a str,
    brackets: bool,
}

impl<'a> Fields<'a> {
    /// Fields of `line`, with quote handling.
    pub fn new(line: &'a str) -> Fields<'a> {
        Fields { rest: line, brackets: false }
    }

    /// Fields of `line`, also keeping `[...]` groups whole (without the brackets).
    pub fn with_brackets(line: &'a str) -> Fields<'a> {
        Fields { rest: line, brackets: true }
    }

    /// What has not been split yet, leading whitespace removed.
    pub fn remainder(&self) -> &'a str {
        &self.rest[skip_blanks(self.rest.as_bytes())..]
    }
}

/// Whether `b` separates fields: a space or a tab.
#[inline]
pub fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Index of the first byte of `b` that is not a space or tab, or `b.len()`.
/// Fields are mostly one space apart, so a plain loop is the fast path.
#[inline]
pub fn skip_blanks(b: &[u8]) -> usize {
    b.iter().position(|&c| !is_blank(c)).unwrap_or(b.len())
}

/// Index of the first space or tab in `b`, or `b.len()`.
///
/// This is the innermost loop of every space-separated format, so it looks
/// at eight bytes per step (SWAR): a byte-at-a-time loop costs about ten
/// instructions per byte, and under wasm each iteration also pays the
/// engine's interruption check.
#[inline]
pub fn find_blank(b: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // High bit set in each byte of `v` that is zero. Borrows can only set
    // bits above a true zero byte, so the lowest set bit is always exact.
    let zero_bytes = |v: u64| v.wrapping_sub(LO) & !v & HI;
    let mut i = 0;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        let hits = zero_bytes(w ^ (LO * u64::from(b' '))) | zero_bytes(w ^ (LO * u64::from(b'\t')));
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && !is_blank(b[i]) {
        i += 1;
    }
    i
}

fn closing(s: &str, close: u8) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(off) = memchr::memchr(close, &b[from..]) {
        let i = from + off;
        if i + 1 == b.len() || is_blank(b[i + 1]) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    // Byte-wise: every delimiter is ASCII, so slicing at their positions
    // always lands on UTF-8 boundaries. This runs on every field of every
    // line of multi-gigabyte logs.
    fn next(&mut self) -> Option<&'a str> {
        let b = self.rest.as_bytes();
        let i = skip_blanks(b);
        if i == b.len() {
            self.rest = "";
            return None;
        }
        let close = match b[i] {
            b'"' => Some(b'"'),
            b'[' if self.brackets => Some(b']'),
            _ => None,
        };
        if let Some(close) = close {
            let inner = &self.rest[i + 1..];
            if let Some(end) = closing(inner, close) {
                self.rest = &inner[end + 1..];
                return Some(&inner[..end]);
            }
            // Unterminated quote: the rest of the line is the field.
            self.rest = "";
            return Some(inner);
        }
        let end = i + find_blank(&b[i..]);
        let field = &self.rest[i..end];
        self.rest = &self.rest[end..];
        Some(field)
    }
}

/// Splits a line into at most `N` fields; returns how many were found.
/// Fields past `N` are left in the iterator.
pub fn split_into<'a, const N: usize>(fields: &mut Fields<'a>) -> ([&'a str; N], usize) {
    let mut out = [""; N];
    let mut n = 0;
    while n < N {
        match fields.next() {
            Some(f) => {
                out[n] = f;
                n += 1;
            }
            None => break,
        }
    }
    (out, n)
}

/// `str::split_once` around an ASCII byte, without the generic char
/// searcher (which costs more than the short fields it is used on).
#[inline]
pub fn split_once_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    debug_assert!(sep.is_ascii());
    let i = s.bytes().position(|b| b == sep)?;
    // `sep` is ASCII, so both sides of it are char boundaries.
    Some((&s[..i], &s[i + 1..]))
}

/// Whether `s` is an unsigned decimal integer.
pub fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_spaces_and_quotes() {
        let v: Vec<_> = Fields::new("1  2\t\"a b\"  - \"\"").collect();
        assert_eq!(v, ["1", "2", "a b", "-", ""]);
    }

    #[test]
    fn quotes_inside_quoted_fields() {
        let v: Vec<_> = Fields::new(r#""Mozilla/5.0 (x; "y") z" next"#).collect();
        assert_eq!(v, ["Mozilla/5.0 (x; \"y\") z", "next"]);
        let v: Vec<_> = Fields::new(r#"a "unterminated b"#).collect();
        assert_eq!(v, ["a", "unterminated b"]);
    }

    #[test]
    fn find_blank_agrees_with_a_plain_search() {
        // Every position of a blank in and around an 8-byte word, with
        // bytes just above and below the blank values (borrow edge cases).
        for len in 0..20 {
            for at in 0..=len {
                for blank in [b' ', b'\t'] {
                    let mut v: Vec<u8> = (0..len).map(|k| [0x08, 0x0a, 0x1f, 0x21, 0x00, 0x01, 0x80, 0xff][k % 8]).collect();
                    if at < len {
                        v[at] = blank;
                    }
                    let plain = v.iter().position(|&c| c == b' ' || c == b'\t').unwrap_or(len);
                    assert_eq!(find_blank(&v), plain, "{v:?}");
                }
            }
        }
    }

    #[test]
    fn brackets_when_asked() {
        let v: Vec<_> = Fields::with_brackets("ip - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\"").collect();
        assert_eq!(v, ["ip", "-", "-", "10/Oct/2000:13:55:36 -0700", "GET / HTTP/1.1"]);
    }
}
