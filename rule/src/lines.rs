//! Cutting a byte stream that arrives in arbitrary chunks into lines.

/// Splits chunks into lines. Lines that lie wholly inside a chunk are handed
/// out as slices of it (no copy); only a line that spans chunks is
/// assembled in an internal buffer. A line longer than `max_line` is not
/// buffered: its length is counted and it is reported as [`Line::TooLong`].
#[derive(Debug, Clone)]
pub struct LineSplitter {
    carry: Vec<u8>,
    /// Length of an over-long line being discarded, if in one.
    discarding: Option<u64>,
    max_line: usize,
}

/// A line handed out by [`LineSplitter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// The line's bytes, without `\n` or a trailing `\r`.
    Text(&'a [u8]),
    /// A line longer than the limit; its bytes were dropped.
    TooLong(u64),
}

/// Default line limit: 16 MiB, far above any real proxy-log line.
pub const DEFAULT_MAX_LINE: usize = 16 << 20;

impl Default for LineSplitter {
    fn default() -> Self {
        LineSplitter::new(DEFAULT_MAX_LINE)
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

impl LineSplitter {
    /// A splitter that keeps lines up to `max_line` bytes.
    pub fn new(max_line: usize) -> LineSplitter {
        LineSplitter { carry: Vec::new(), discarding: None, max_line }
    }

    /// The line length limit.
    pub fn max_line(&self) -> usize {
        self.max_line
    }

    /// Feeds a chunk; calls `emit` for every line it completes.
    pub fn feed(&mut self, mut chunk: &[u8], mut emit: impl FnMut(Line<'_>)) {
        // Finish a line begun in an earlier chunk.
        if !self.carry.is_empty() || self.discarding.is_some() {
            match memchr::memchr(b'\n', chunk) {
                Some(nl) => {
                    self.append(&chunk[..nl]);
                    self.emit_carry(&mut emit);
                    chunk = &chunk[nl + 1..];
                }
                None => {
                    self.append(chunk);
                    return;
                }
            }
        }
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', chunk) {
            let line = &chunk[start..nl];
            if line.len() > self.max_line {
                emit(Line::TooLong(line.len() as u64));
            } else {
                emit(Line::Text(strip_cr(line)));
            }
            start = nl + 1;
        }
        self.append(&chunk[start..]);
    }

    /// Ends the stream: emits a last line that had no terminator.
    pub fn finish(&mut self, mut emit: impl FnMut(Line<'_>)) {
        if !self.carry.is_empty() || self.discarding.is_some() {
            self.emit_carry(&mut emit);
        }
    }

    /// Bytes held for an unfinished line.
    pub fn pending(&self) -> usize {
        self.carry.len()
    }

    fn append(&mut self, bytes: &[u8]) {
        if let Some(n) = &mut self.discarding {
            *n += bytes.len() as u64;
        } else if self.carry.len() + bytes.len() > self.max_line {
            self.discarding = Some((self.carry.len() + bytes.len()) as u64);
            self.carry = Vec::new();
        } else {
            self.carry.extend_from_slice(bytes);
        }
    }

    fn emit_carry(&mut self, emit: &mut impl FnMut(Line<'_>)) {
        match self.discarding.take() {
            Some(n) => emit(Line::TooLong(n)),
            None => emit(Line::Text(strip_cr(&self.carry))),
        }
        self.carry.clear();
        if self.carry.capacity() > 1 << 20 {
            // Do not keep a huge buffer alive after one long line.
            self.carry = Vec::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]], max: usize) -> Vec<String> {
        let mut s = LineSplitter::new(max);
        let mut out = Vec::new();
        let mut push = |l: Line<'_>| {
            out.push(match l {
                Line::Text(t) => String::from_utf8_lossy(t).into_owned(),
                Line::TooLong(n) => format!("<{n}>"),
            })
        };
        for c in chunks {
            s.feed(c, &mut push);
        }
        s.finish(&mut push);
        out
    }

    #[test]
    fn lines_across_chunks_and_crlf() {
        assert_eq!(split(&[b"a\r\nb", b"c\n", b"d"], 100), ["a", "bc", "d"]);
        assert_eq!(split(&[b"a\n", b"", b"\n"], 100), ["a", ""]);
        assert_eq!(split(&[b"x\r", b"\ny\n"], 100), ["x", "y"]);
    }

    #[test]
    fn over_long_lines_are_counted_not_kept() {
        assert_eq!(split(&[b"12345\nab\n"], 4), ["<5>", "ab"]);
        assert_eq!(split(&[b"12", b"34", b"56\nab"], 4), ["<6>", "ab"]);
        assert_eq!(split(&[b"123456"], 4), ["<6>"]);
    }
}
