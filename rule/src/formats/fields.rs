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
        self.rest.trim_start_matches([' ', '\t'])
    }
}

fn closing(s: &str, close: u8) -> Option<usize> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(off) = memchr::memchr(close, &b[from..]) {
        let i = from + off;
        if i + 1 == b.len() || b[i + 1] == b' ' || b[i + 1] == b'\t' {
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
        let mut i = 0;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
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
        let start = i;
        while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
            i += 1;
        }
        let field = &self.rest[start..i];
        self.rest = &self.rest[i..];
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
    fn brackets_when_asked() {
        let v: Vec<_> = Fields::with_brackets("ip - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.1\"").collect();
        assert_eq!(v, ["ip", "-", "-", "10/Oct/2000:13:55:36 -0700", "GET / HTTP/1.1"]);
    }
}
