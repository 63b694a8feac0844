//! A journal entry: the record plus its position in the log.
//!
//! Canonical form: `{"index":N,"prev":"<64 hex>","record":{...}}`. `prev` is
//! the leaf hash of entry `N-1` (all zeros for entry 0), so every entry
//! commits to its index and to its predecessor; the Merkle leaf is
//! `SHA-256(0x00 || canonical entry bytes)`.

use serde::{Deserialize, Serialize};

use super::canon::{self, push_key};
use super::merkle::Hash;
use super::record::AuditRecord;

/// A decoded journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 0-based position in the log.
    pub index: u64,
    /// Leaf hash of the previous entry (zeros for entry 0).
    pub prev: Hash,
    /// The audit record.
    pub record: AuditRecord,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EntryJson {
    pub index: u64,
    pub prev: String,
    pub record: AuditRecord,
}

/// Write the canonical entry around already encoded canonical record bytes.
pub(crate) fn encode_raw(index: u64, prev: &Hash, record_json: &[u8], out: &mut Vec<u8>) {
    out.reserve(record_json.len() + 100);
    out.push(b'{');
    push_key(out, "index", true);
    canon::push_u64(out, index);
    push_key(out, "prev", false);
    canon::push_hash(out, prev);
    push_key(out, "record", false);
    out.extend_from_slice(record_json);
    out.push(b'}');
}

impl Entry {
    /// The canonical bytes.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(800);
        encode_raw(
            self.index,
            &self.prev,
            &self.record.canonical_bytes(),
            &mut out,
        );
        out
    }

    /// Decode bytes that must be in canonical form. The error says what is
    /// wrong (never quoting values).
    pub fn decode_canonical(bytes: &[u8]) -> Result<Entry, String> {
        let e = Self::decode_lenient(bytes)?;
        if e.canonical_bytes() != bytes {
            return Err("not in canonical form".into());
        }
        Ok(e)
    }

    /// Decode any JSON form of an entry (used for bundles, which embed the
    /// entry as a JSON object).
    pub fn decode_lenient(bytes: &[u8]) -> Result<Entry, String> {
        let j: EntryJson = serde_json::from_slice(bytes).map_err(|e| {
            format!(
                "not a valid entry (column {}): {}",
                e.column(),
                e.classify_msg()
            )
        })?;
        Self::from_json(j)
    }

    pub(crate) fn from_json(j: EntryJson) -> Result<Entry, String> {
        let prev = canon::unhex32(&j.prev)
            .filter(|_| canon::is_hex64(&j.prev))
            .ok_or("field prev: expected 64 lowercase hex characters")?;
        j.record
            .validate()
            .map_err(|e| format!("invalid record: {e}"))?;
        Ok(Entry {
            index: j.index,
            prev,
            record: j.record,
        })
    }

    pub(crate) fn to_json_value(&self) -> serde_json::Value {
        // The canonical bytes are valid JSON by construction.
        serde_json::from_slice(&self.canonical_bytes()).unwrap_or(serde_json::Value::Null)
    }
}

trait ClassifyMsg {
    fn classify_msg(&self) -> &'static str;
}

impl ClassifyMsg for serde_json::Error {
    /// A message without the offending value (serde messages can quote
    /// input, which may be personal data in a tampered file).
    fn classify_msg(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "read error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "a field is missing, unknown or of the wrong type",
            serde_json::error::Category::Eof => "unexpected end",
        }
    }
}
