//! Record ids as clients create them.

use std::fmt;

/// A client-created record id: WatermelonDB's 16-character ids and UUIDs both occur, so
/// anything of 1–64 characters from `[A-Za-z0-9_.-]` is accepted. Holding a `RecordId`
/// means the check has been done.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId(String);

impl RecordId {
    pub const MAX_LEN: usize = 64;

    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(InvalidId);
        }
        if s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
        {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidId;

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an id is 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'")
    }
}

impl std::error::Error for InvalidId {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_watermelon_and_uuid_ids() {
        assert!(RecordId::parse("aB3dE5fG7hJ9kL1m").is_ok());
        assert!(RecordId::parse("0b6a4c7e-94a1-4f21-9c53-2a7f4f6b1d10").is_ok());
        assert!(RecordId::parse(&"x".repeat(64)).is_ok());
    }

    #[test]
    fn refuses_empty_long_and_odd_ids() {
        for bad in ["", "a b", "a/b", "é", "a;drop", "'"] {
            assert_eq!(RecordId::parse(bad), Err(InvalidId), "{bad:?}");
        }
        assert!(RecordId::parse(&"x".repeat(65)).is_err());
    }
}
