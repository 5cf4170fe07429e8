//! Positions in the input text: lines, bytes and the UTF-16 offsets the
//! DOM's selection APIs count in.

/// Converts a byte offset into `text` to the UTF-16 offset the DOM's
/// selection APIs use.
pub fn utf16_offset(text: &str, byte: usize) -> u32 {
    let byte = byte.min(text.len());
    let mut end = byte;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].chars().map(|c| c.len_utf16() as u32).sum()
}

/// Byte range of 1-based line `line` in `text` (without its newline).
pub fn line_range(text: &str, line: u64) -> Option<(usize, usize)> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Some((start, end))
}

/// The 1-based line holding UTF-16 offset `pos` of `text`.
pub fn line_at_utf16(text: &str, pos: u32) -> u64 {
    let mut units = 0u32;
    let mut line = 1u64;
    for c in text.chars() {
        if units >= pos {
            break;
        }
        units += c.len_utf16() as u32;
        if c == '\n' {
            line += 1;
        }
    }
    line
}

/// The start of an input, at most `max` bytes and cut after a line end so
/// no line is shown half, as text (invalid UTF-8 replaced).
pub fn preview(bytes: &[u8], max: usize) -> String {
    if bytes.len() <= max {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let cut = bytes[..max].iter().rposition(|&b| b == b'\n').map_or(max, |i| i + 1);
    String::from_utf8_lossy(&bytes[..cut]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_end_at_a_line_end() {
        assert_eq!(preview(b"ab\ncd\nef", 100), "ab\ncd\nef");
        assert_eq!(preview(b"ab\ncd\nef", 7), "ab\ncd\n");
        assert_eq!(preview(b"ab\ncd\nef", 5), "ab\n");
        // One line longer than the preview is cut inside it (and a split
        // UTF-8 sequence is replaced, not an error).
        assert_eq!(preview("abcdé".as_bytes(), 5), "abcd\u{fffd}");
    }

    #[test]
    fn offsets_count_utf16_units() {
        let t = "aé😀b\nx";
        assert_eq!(utf16_offset(t, 0), 0);
        assert_eq!(utf16_offset(t, 3), 2); // after "aé"
        assert_eq!(utf16_offset(t, 7), 4); // the emoji is two units
        assert_eq!(utf16_offset(t, 5), 2, "inside a character rounds down");
        assert_eq!(utf16_offset(t, 100), 7);
    }

    #[test]
    fn lines_by_number_and_by_offset() {
        let t = "one\ntwo\n\nfour";
        assert_eq!(line_range(t, 1), Some((0, 3)));
        assert_eq!(line_range(t, 2), Some((4, 7)));
        assert_eq!(line_range(t, 3), Some((8, 8)));
        assert_eq!(line_range(t, 4), Some((9, 13)));
        assert_eq!(line_range(t, 5), None);
        assert_eq!(line_at_utf16(t, 0), 1);
        assert_eq!(line_at_utf16(t, 3), 1);
        assert_eq!(line_at_utf16(t, 4), 2);
        assert_eq!(line_at_utf16(t, 9), 4);
        assert_eq!(line_at_utf16("😀\nx", 3), 2);
    }
}
