//! The hash chain's building blocks: a SHA-256 value written as hex, and the
//! anchor (sequence number and hash of a record) that a caller can keep
//! outside the log to detect records cut from its end.
//!
//! Every record carries the SHA-256 of the previous record's line. The
//! hashed bytes are the whole line as stored, including its final `\n`, so
//! a reviewer can recompute one with `sed -n '5p' audit.jsonl | sha256sum`
//! and compare it with the `prev` field of line 6.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// A SHA-256 value, shown and stored as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    /// The `prev` of the first record of a log: 64 zeros.
    pub const ZERO: Self = Self([0; 32]);

    /// Hashes `bytes`: a record's line (with its `\n`) or a script's source.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; 64];
        hex::encode_to_slice(self.0, &mut text).map_err(|_| fmt::Error)?;
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({self})")
    }
}

/// Why a text is not a SHA-256 value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 64 lowercase hex digits (a SHA-256 value), found `{0}`")]
pub struct DigestParseError(String);

impl FromStr for Sha256Digest {
    type Err = DigestParseError;

    /// Accepts lowercase only, so that every value has exactly one spelling
    /// and a record's text is determined by its content.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let lowercase = text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let mut bytes = [0u8; 32];
        match hex::decode_to_slice(text, &mut bytes) {
            Ok(()) if lowercase => Ok(Self(bytes)),
            _ => Err(DigestParseError(text.chars().take(80).collect())),
        }
    }
}

impl Serialize for Sha256Digest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256Digest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The sequence number and line hash of one record, kept outside the log
/// (for example on the server) so that `verify_with_anchor` can tell when
/// records at or before it were removed or rewritten.
///
/// Written as `<seq>:<hash>`, for example `41:3f7a…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The record's sequence number.
    pub seq: u64,
    /// SHA-256 of the record's line, `\n` included.
    pub hash: Sha256Digest,
}

impl fmt::Display for Anchor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, self.hash)
    }
}

/// Why a text is not an anchor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnchorParseError {
    /// The text has no `:` between sequence number and hash.
    #[error("expected `<sequence number>:<sha256 hex>`, found no `:`")]
    MissingColon,
    /// The part before `:` is not a sequence number.
    #[error("the sequence number of an anchor must be a whole number, found `{0}`")]
    Seq(String),
    /// The part after `:` is not a SHA-256 value.
    #[error("the hash of an anchor is invalid: {0}")]
    Hash(#[from] DigestParseError),
}

impl FromStr for Anchor {
    type Err = AnchorParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (seq, hash) = text.split_once(':').ok_or(AnchorParseError::MissingColon)?;
        let seq = seq
            .parse()
            .map_err(|_| AnchorParseError::Seq(seq.chars().take(40).collect()))?;
        Ok(Self {
            seq,
            hash: hash.parse()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_well_known_value() {
        assert_eq!(
            Sha256Digest::of(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn zero_digest_is_sixty_four_zeros() {
        assert_eq!(Sha256Digest::ZERO.to_string(), "0".repeat(64));
    }

    #[test]
    fn digest_text_round_trips_and_rejects_other_spellings() -> Result<(), DigestParseError> {
        let digest = Sha256Digest::of(b"ward");
        assert_eq!(digest.to_string().parse::<Sha256Digest>()?, digest);
        assert!(
            digest
                .to_string()
                .to_uppercase()
                .parse::<Sha256Digest>()
                .is_err()
        );
        assert!("abc".parse::<Sha256Digest>().is_err());
        assert!("g".repeat(64).parse::<Sha256Digest>().is_err());
        Ok(())
    }

    #[test]
    fn anchor_text_round_trips() -> Result<(), AnchorParseError> {
        let anchor = Anchor {
            seq: 41,
            hash: Sha256Digest::of(b"line\n"),
        };
        assert_eq!(anchor.to_string().parse::<Anchor>()?, anchor);
        assert_eq!("41".parse::<Anchor>(), Err(AnchorParseError::MissingColon));
        assert!(matches!(
            "x:00".parse::<Anchor>(),
            Err(AnchorParseError::Seq(_))
        ));
        Ok(())
    }
}
