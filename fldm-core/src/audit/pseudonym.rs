//! Keyed hashes for audit records: subject references and query criteria
//! ([`PseudonymKey`]), and the unkeyed digest of a transmitted payload.

use std::path::Path;

use ring::{digest, hmac, rand::SecureRandom};
use unicode_normalization::UnicodeNormalization;

use super::canon::{self, hex};
use super::record::QueryCriterion;
use crate::error::{Error, Result};

/// SHA-256 of a transmitted payload as 64 lowercase hex characters (for
/// [`super::AuditRecord::payload_digest`]). Not keyed: the recipient can recompute
/// it over the bytes it received.
pub fn payload_digest(payload: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, payload).as_ref())
}

/// The journal owner's HMAC-SHA256 key for pseudonyms (subject references
/// and query-criteria values). Keep it secret: with the key, a guessed value
/// can be checked against the log; without it, the log reveals nothing.
pub struct PseudonymKey {
    key: hmac::Key,
}

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// A key from 32 (or more) secret bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < 32 {
            return Err(Error::Audit(
                "pseudonym key: at least 32 bytes required".into(),
            ));
        }
        Ok(PseudonymKey {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        })
    }

    /// Generate 32 random bytes (returned so they can be stored).
    pub fn generate_bytes() -> Result<[u8; 32]> {
        let mut b = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut b)
            .map_err(|_| Error::Audit("no random numbers available".into()))?;
        Ok(b)
    }

    /// Load a key file (64 hex characters, surrounding whitespace ignored).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading pseudonym key {}", path.display()), e))?;
        let bytes = canon::unhex(text.trim()).ok_or_else(|| {
            Error::Audit(format!(
                "pseudonym key {}: expected hex characters",
                path.display()
            ))
        })?;
        Self::from_bytes(&bytes)
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        for p in parts {
            ctx.update(p);
        }
        hex(ctx.sign().as_ref())
    }

    /// Subject reference: `HMAC-SHA256(key, "fldm-audit/subject" || 0x00 || fldm_id)`.
    pub fn subject_ref(&self, fldm_id: &str) -> String {
        self.mac(&[b"fldm-audit/subject\0", fldm_id.trim().as_bytes()])
    }

    /// Query criterion: `HMAC-SHA256(key, "fldm-audit/criterion" || 0x00 ||
    /// attribute || 0x00 || NFC(value))`, so that the same value under a
    /// different attribute, or in NFD instead of NFC, gives the
    /// attribute-specific, normalisation-independent hash.
    pub fn criterion(&self, attribute: &str, value: &str) -> QueryCriterion {
        let nfc: String = value.nfc().collect();
        QueryCriterion {
            attribute: attribute.to_string(),
            value_hmac: self.mac(&[
                b"fldm-audit/criterion\0",
                attribute.as_bytes(),
                b"\0",
                nfc.as_bytes(),
            ]),
        }
    }
}
