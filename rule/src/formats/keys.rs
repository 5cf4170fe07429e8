//! Fixed sets of short field names, looked up for every key of every
//! record.
//!
//! A JSON proxy record has twenty to forty keys, and each is checked against
//! the names the parsers read. Comparing with each name in turn was the
//! largest cost of a JSON line, and `memcmp` calls are dearer still inside
//! the wasm component, where they are plain byte loops. A [`KeySet`] files
//! its names by length and compares a key, zero-padded to 32 bytes, as four
//! machine words: one bucket of one to four candidates, no calls.

/// Keys longer than this are in no set.
pub const LONGEST: usize = 32;

/// A key zero-padded to [`LONGEST`] bytes, as words.
type Padded = [u64; LONGEST / 8];

/// A set of ASCII names of at most [`LONGEST`] bytes, each with a value.
#[derive(Debug, Clone)]
pub struct KeySet {
    by_len: Vec<Vec<(Padded, u16)>>,
}

impl KeySet {
    /// The set of `names`, each mapped to its value. Panics on a name that is
    /// empty or longer than [`LONGEST`]: the sets are constants.
    pub fn new<'n>(names: impl IntoIterator<Item = (&'n str, u16)>) -> KeySet {
        let mut by_len = vec![Vec::new(); LONGEST + 1];
        for (name, value) in names {
            assert!(!name.is_empty() && name.len() <= LONGEST, "key set name {name:?}");
            let bucket: &mut Vec<(Padded, u16)> = &mut by_len[name.len()];
            let padded = pad(name.as_bytes(), false).expect("length checked");
            if !bucket.iter().any(|(k, _)| *k == padded) {
                bucket.push((padded, value));
            }
        }
        KeySet { by_len }
    }

    /// The value of `key`, compared exactly.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Option<u16> {
        self.find(key, false)
    }

    /// The value of `key`, compared ASCII-case-insensitively. The set's
    /// names must be lower-case for this to find them.
    #[inline]
    pub fn get_ignore_ascii_case(&self, key: &[u8]) -> Option<u16> {
        self.find(key, true)
    }

    #[inline]
    fn find(&self, key: &[u8], fold: bool) -> Option<u16> {
        let bucket = self.by_len.get(key.len())?;
        if bucket.is_empty() {
            return None;
        }
        let padded = pad(key, fold)?;
        bucket.iter().find(|(k, _)| *k == padded).map(|&(_, v)| v)
    }
}

/// `key` zero-padded to [`LONGEST`] bytes, lower-cased when `fold`.
#[inline]
fn pad(key: &[u8], fold: bool) -> Option<Padded> {
    if key.len() > LONGEST {
        return None;
    }
    let mut buf = [0u8; LONGEST];
    for (d, &s) in buf.iter_mut().zip(key) {
        *d = if fold { s.to_ascii_lowercase() } else { s };
    }
    let mut words = [0u64; LONGEST / 8];
    for (w, chunk) in words.iter_mut().zip(buf.chunks_exact(8)) {
        *w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_exactly_the_names_given() {
        let set = KeySet::new([("cip", 0), ("clientip", 1), ("user_agent.original", 2), ("a", 3), ("x".repeat(32).as_str(), 4)]);
        assert_eq!(set.get(b"cip"), Some(0));
        assert_eq!(set.get(b"clientip"), Some(1));
        assert_eq!(set.get(b"user_agent.original"), Some(2));
        assert_eq!(set.get(b"a"), Some(3));
        assert_eq!(set.get("x".repeat(32).as_bytes()), Some(4));
        for miss in [&b""[..], b"ci", b"cipx", b"CIP", b"clientiq", b"cip\0", b"user_agent.origina", &[b'x'; 33][..]] {
            assert_eq!(set.get(miss), None, "{miss:?}");
        }
        assert_eq!(set.get_ignore_ascii_case(b"ClientIP"), Some(1));
        assert_eq!(set.get_ignore_ascii_case(b"CIP"), Some(0));
        assert_eq!(set.get_ignore_ascii_case(b"C1P"), None);
    }

    #[test]
    fn a_name_given_twice_keeps_its_first_value() {
        let set = KeySet::new([("log", 1), ("log", 2)]);
        assert_eq!(set.get(b"log"), Some(1));
    }
}
