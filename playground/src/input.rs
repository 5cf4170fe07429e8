//! Opening dropped or picked files: rotated proxy logs are usually gzip
//! files (`access.log.1.gz`), which `aiwatch scan` reads transparently, so
//! the page does too, without any request.

use std::fmt;

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

/// Largest decompressed size accepted; a browser tab has limited memory,
/// and a gzip bomb must not take the page down.
pub const MAX_DECOMPRESSED: usize = 256 << 20;

/// A gzip file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GzipError {
    /// The header is cut short or uses an unknown compression method.
    Header,
    /// The compressed data is damaged.
    Data,
    /// The file ends before a member's end.
    Truncated,
    /// A member's CRC-32 or length does not match its data.
    Checksum,
    /// The content is larger than [`MAX_DECOMPRESSED`].
    TooLarge,
}

impl fmt::Display for GzipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GzipError::Header => f.write_str("not a readable gzip file (bad header)"),
            GzipError::Data => f.write_str("the gzip data is damaged"),
            GzipError::Truncated => f.write_str("the gzip file is cut short"),
            GzipError::Checksum => f.write_str("the gzip checksum does not match (damaged file)"),
            GzipError::TooLarge => write!(f, "the file expands beyond {} MiB, too large for a browser tab; use the aiwatch CLI", MAX_DECOMPRESSED >> 20),
        }
    }
}

impl std::error::Error for GzipError {}

/// Returns the file's content: gunzipped when it is gzip (all members, as
/// `zcat` does), unchanged otherwise.
pub fn decompress(bytes: Vec<u8>) -> Result<Vec<u8>, GzipError> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Ok(bytes);
    }
    let mut out = Vec::new();
    let mut rest = &bytes[..];
    while rest.starts_with(&[0x1f, 0x8b]) {
        rest = member(rest, &mut out)?;
        // Some writers pad the end of a file with zeros.
        while rest.first() == Some(&0) {
            rest = &rest[1..];
        }
    }
    Ok(out)
}

/// Decodes one gzip member into `out`; returns what follows it.
fn member<'a>(data: &'a [u8], out: &mut Vec<u8>) -> Result<&'a [u8], GzipError> {
    if data.len() < 10 || data[2] != 8 {
        return Err(GzipError::Header);
    }
    let flags = data[3];
    let mut pos = 10;
    if flags & 0x04 != 0 {
        let len = data.get(pos..pos + 2).ok_or(GzipError::Header)?;
        pos += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [0x08, 0x10] {
        if flags & flag != 0 {
            let end = data.get(pos..).and_then(|d| d.iter().position(|&b| b == 0)).ok_or(GzipError::Header)?;
            pos += end + 1;
        }
    }
    if flags & 0x02 != 0 {
        pos += 2;
    }
    let mut input = data.get(pos..).ok_or(GzipError::Header)?;
    let start = out.len();
    let mut state = InflateState::new_boxed(DataFormat::Raw);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let r = inflate(&mut state, input, &mut buf, MZFlush::None);
        input = &input[r.bytes_consumed..];
        out.extend_from_slice(&buf[..r.bytes_written]);
        if out.len() > MAX_DECOMPRESSED {
            return Err(GzipError::TooLarge);
        }
        match r.status {
            Ok(MZStatus::StreamEnd) => break,
            Ok(_) if r.bytes_consumed == 0 && r.bytes_written == 0 => return Err(GzipError::Truncated),
            Ok(_) => {}
            Err(MZError::Buf) => return Err(GzipError::Truncated),
            Err(_) => return Err(GzipError::Data),
        }
    }
    let trailer = input.get(..8).ok_or(GzipError::Truncated)?;
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]);
    let content = &out[start..];
    if crc32(content) != crc || content.len() as u32 != size {
        return Err(GzipError::Checksum);
    }
    Ok(&input[8..])
}

/// CRC-32 (IEEE), as gzip uses.
fn crc32(data: &[u8]) -> u32 {
    static TABLE: std::sync::OnceLock<[u32; 256]> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let mut t = [0u32; 256];
        for (i, slot) in t.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            *slot = c;
        }
        t
    });
    !data.iter().fold(!0u32, |c, &b| table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gzip member as `gzip` writes it, with a file name in the header.
    fn gz(content: &[u8]) -> Vec<u8> {
        let mut v = vec![0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3];
        v.extend_from_slice(b"access.log\0");
        v.extend(miniz_oxide::deflate::compress_to_vec(content, 6));
        v.extend(crc32(content).to_le_bytes());
        v.extend((content.len() as u32).to_le_bytes());
        v
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn plain_files_pass_through() {
        assert_eq!(decompress(b"plain\n".to_vec()), Ok(b"plain\n".to_vec()));
    }

    #[test]
    fn gzip_members_are_concatenated() {
        let big: Vec<u8> = (0..200_000u32).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
        let mut file = gz(&big);
        file.extend(gz(b"tail\n"));
        file.extend([0, 0, 0]);
        let out = decompress(file).unwrap();
        assert_eq!(&out[..big.len()], &big[..]);
        assert_eq!(&out[big.len()..], b"tail\n");
    }

    #[test]
    fn damage_is_reported() {
        let good = gz(b"hello world\n");
        let mut bad_crc = good.clone();
        let n = bad_crc.len();
        bad_crc[n - 5] ^= 1;
        assert_eq!(decompress(bad_crc), Err(GzipError::Checksum));
        assert_eq!(decompress(good[..good.len() - 4].to_vec()), Err(GzipError::Truncated));
        assert_eq!(decompress(good[..good.len() / 2].to_vec()), Err(GzipError::Truncated));
        assert_eq!(decompress(vec![0x1f, 0x8b, 7, 0]), Err(GzipError::Header));
        let mut bad_data = good[..21].to_vec();
        bad_data.extend([0xff; 16]);
        assert!(decompress(bad_data).is_err());
    }
}
