//! Signing keys and signed checkpoints (Ed25519 via ring).
//!
//! A checkpoint commits to the first `size` entries of a journal: their
//! RFC 9162 root hash and the leaf hash of the last of them. The signed
//! message is `"fldm-audit-checkpoint/1\n"` followed by the canonical JSON
//! of the checkpoint body (see `docs/audit-format.md`).

use std::path::Path;

use ring::signature::{self, Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};

use super::canon::{self, push_key, push_str};
use super::merkle::Hash;
use crate::error::{Error, Result};

/// Domain separator in front of the signed checkpoint body.
pub const SIGNATURE_CONTEXT: &[u8] = b"fldm-audit-checkpoint/1\n";

/// Key id: the first 8 bytes of SHA-256 of the raw 32-byte public key, hex.
pub fn key_id_of(public_key: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, public_key);
    canon::hex(&d.as_ref()[..8])
}

/// An Ed25519 signing key (PKCS#8 v2 as written by ring).
pub struct SigningKey {
    pair: Ed25519KeyPair,
    key_id: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({})", self.key_id)
    }
}

impl SigningKey {
    /// Generate a new key; returns the PKCS#8 document to store.
    pub fn generate_pkcs8() -> Result<Vec<u8>> {
        let rng = ring::rand::SystemRandom::new();
        Ed25519KeyPair::generate_pkcs8(&rng)
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| Error::Audit("could not generate an Ed25519 key".into()))
    }

    /// A key from PKCS#8 bytes.
    pub fn from_pkcs8(bytes: &[u8]) -> Result<Self> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes)
            .or_else(|_| Ed25519KeyPair::from_pkcs8_maybe_unchecked(bytes))
            .map_err(|e| Error::Audit(format!("not an Ed25519 PKCS#8 private key: {e}")))?;
        let key_id = key_id_of(pair.public_key().as_ref());
        Ok(SigningKey { pair, key_id })
    }

    /// Load a PKCS#8 file.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::io(format!("reading signing key {}", path.display()), e))?;
        Self::from_pkcs8(&bytes)
            .map_err(|e| Error::Audit(format!("signing key {}: {e}", path.display())))
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        let mut b = [0u8; 32];
        b.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey { bytes: b }
    }

    /// The key id.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Sign a checkpoint.
    pub fn sign(&self, checkpoint: Checkpoint) -> SignedCheckpoint {
        let sig = self.pair.sign(&checkpoint.signed_message());
        SignedCheckpoint {
            checkpoint,
            signature: sig.as_ref().to_vec(),
        }
    }
}

/// An Ed25519 public key (32 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey {
    bytes: [u8; 32],
}

impl PublicKey {
    /// From the raw 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Error::Audit("an Ed25519 public key has 32 bytes".into()))?;
        Ok(PublicKey { bytes })
    }

    /// Load a public key file: `ed25519:` followed by 64 hex characters
    /// (as written by `fldm audit keygen`), or bare hex, or 32 raw bytes.
    pub fn load(path: &Path) -> Result<Self> {
        let data = std::fs::read(path)
            .map_err(|e| Error::io(format!("reading public key {}", path.display()), e))?;
        Self::parse(&data).map_err(|e| Error::Audit(format!("public key {}: {e}", path.display())))
    }

    /// Parse the file contents described at [`PublicKey::load`].
    pub fn parse(data: &[u8]) -> Result<Self> {
        if let Ok(text) = std::str::from_utf8(data) {
            let t = text.trim();
            let t = t.strip_prefix("ed25519:").unwrap_or(t);
            if let Some(b) = canon::unhex(t) {
                return Self::from_bytes(&b);
            }
        }
        if data.len() == 32 {
            return Self::from_bytes(data);
        }
        Err(Error::Audit(
            "expected `ed25519:` and 64 hex characters".into(),
        ))
    }

    /// The text form written to files: `ed25519:<hex>`.
    pub fn to_text(&self) -> String {
        format!("ed25519:{}", canon::hex(&self.bytes))
    }

    /// The key id.
    pub fn key_id(&self) -> String {
        key_id_of(&self.bytes)
    }

    /// Raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

/// The signed content of a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Name of the log (e.g. `hub.koeln/audit`).
    pub origin: String,
    /// Number of entries covered.
    pub size: u64,
    /// RFC 9162 root hash of the first `size` entries.
    pub root: Hash,
    /// Leaf hash of entry `size - 1`.
    pub last_leaf: Hash,
    /// UTC time of signing, milliseconds.
    pub time_ms: i64,
    /// Id of the signing key.
    pub key_id: String,
}

impl Checkpoint {
    fn write_body(&self, out: &mut Vec<u8>) {
        push_key(out, "origin", true);
        push_str(out, &self.origin);
        push_key(out, "size", false);
        canon::push_u64(out, self.size);
        push_key(out, "root", false);
        canon::push_hash(out, &self.root);
        push_key(out, "last_leaf", false);
        canon::push_hash(out, &self.last_leaf);
        push_key(out, "time_ms", false);
        canon::push_i64(out, self.time_ms);
        push_key(out, "key_id", false);
        push_str(out, &self.key_id);
    }

    /// The canonical JSON of the body.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = vec![b'{'];
        self.write_body(&mut out);
        out.push(b'}');
        out
    }

    /// The bytes that are signed.
    pub fn signed_message(&self) -> Vec<u8> {
        let mut m = SIGNATURE_CONTEXT.to_vec();
        m.extend_from_slice(&self.canonical_bytes());
        m
    }
}

/// A checkpoint with its Ed25519 signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The signed content.
    pub checkpoint: Checkpoint,
    /// 64-byte Ed25519 signature over [`Checkpoint::signed_message`].
    pub signature: Vec<u8>,
}

/// Why a signed checkpoint does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// The key id in the checkpoint is not the id of the given key.
    OtherKey {
        /// The key id the checkpoint names.
        key_id: String,
    },
    /// The signature does not verify.
    Invalid,
}

impl SignedCheckpoint {
    /// Verify against `key`.
    pub fn verify(&self, key: &PublicKey) -> std::result::Result<(), SignatureProblem> {
        if self.checkpoint.key_id != key.key_id() {
            return Err(SignatureProblem::OtherKey {
                key_id: self.checkpoint.key_id.clone(),
            });
        }
        signature::UnparsedPublicKey::new(&signature::ED25519, key.as_bytes())
            .verify(&self.checkpoint.signed_message(), &self.signature)
            .map_err(|_| SignatureProblem::Invalid)
    }

    pub(crate) fn write_fields(&self, out: &mut Vec<u8>) {
        self.checkpoint.write_body(out);
        push_key(out, "signature", false);
        push_str(out, &canon::hex(&self.signature));
    }

    /// Canonical JSON: the body fields followed by `"signature"`.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = vec![b'{'];
        self.write_fields(&mut out);
        out.push(b'}');
        out
    }

    /// The JSON form, hashes and signature in hex.
    pub fn to_json(&self) -> CheckpointJson {
        let c = &self.checkpoint;
        CheckpointJson {
            origin: c.origin.clone(),
            size: c.size,
            root: canon::hex(&c.root),
            last_leaf: canon::hex(&c.last_leaf),
            time_ms: c.time_ms,
            key_id: c.key_id.clone(),
            signature: canon::hex(&self.signature),
        }
    }
}

/// The JSON form of a signed checkpoint, hashes and signature in hex: in
/// proof bundles and in the hub's checkpoint answer
/// ([`crate::wire::AuditCheckpoint`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointJson {
    /// Name of the log.
    pub origin: String,
    /// Number of entries covered.
    pub size: u64,
    /// Merkle root (hex).
    pub root: String,
    /// Hash of the last entry's leaf (hex).
    pub last_leaf: String,
    /// When written (ms since the epoch, UTC).
    pub time_ms: i64,
    /// Id of the signing key.
    pub key_id: String,
    /// Ed25519 signature (hex).
    pub signature: String,
}

impl CheckpointJson {
    pub(crate) fn into_signed(self) -> std::result::Result<SignedCheckpoint, String> {
        let h = |name: &str, v: &str| {
            canon::unhex32(v)
                .ok_or_else(|| format!("checkpoint field {name}: expected 64 hex characters"))
        };
        let signature = canon::unhex(&self.signature)
            .filter(|s| s.len() == 64)
            .ok_or("checkpoint field signature: expected 128 hex characters")?;
        Ok(SignedCheckpoint {
            checkpoint: Checkpoint {
                root: h("root", &self.root)?,
                last_leaf: h("last_leaf", &self.last_leaf)?,
                origin: self.origin,
                size: self.size,
                time_ms: self.time_ms,
                key_id: self.key_id,
            },
            signature,
        })
    }
}

/// A checkpoint as stored in the checkpoints file: the signed checkpoint and
/// a consistency proof from the previous stored checkpoint (none for the
/// first), so that checkpoints can be checked against each other without
/// the entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    /// The signed checkpoint.
    pub signed: SignedCheckpoint,
    /// Size of the previous checkpoint and the RFC 9162 consistency proof
    /// from it to this one.
    pub consistency: Option<(u64, Vec<Hash>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredJson {
    origin: String,
    size: u64,
    root: String,
    last_leaf: String,
    time_ms: i64,
    key_id: String,
    signature: String,
    consistency_from: Option<u64>,
    consistency_proof: Vec<String>,
}

impl StoredCheckpoint {
    /// Canonical JSON (the frame payload in the checkpoints file).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = vec![b'{'];
        self.signed.write_fields(&mut out);
        push_key(&mut out, "consistency_from", false);
        match &self.consistency {
            Some((from, _)) => canon::push_u64(&mut out, *from),
            None => out.extend_from_slice(b"null"),
        }
        push_key(&mut out, "consistency_proof", false);
        let empty = Vec::new();
        canon::push_hash_list(
            &mut out,
            self.consistency.as_ref().map_or(&empty, |(_, p)| p),
        );
        out.push(b'}');
        out
    }

    /// Decode the canonical form.
    pub fn decode(bytes: &[u8]) -> std::result::Result<Self, String> {
        let j: StoredJson = serde_json::from_slice(bytes)
            .map_err(|e| format!("not a valid checkpoint (column {})", e.column()))?;
        let signed = CheckpointJson {
            origin: j.origin,
            size: j.size,
            root: j.root,
            last_leaf: j.last_leaf,
            time_ms: j.time_ms,
            key_id: j.key_id,
            signature: j.signature,
        }
        .into_signed()?;
        let proof = j
            .consistency_proof
            .iter()
            .map(|h| canon::unhex32(h).ok_or("consistency_proof: expected 64 hex characters"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let consistency = j.consistency_from.map(|f| (f, proof));
        let s = StoredCheckpoint {
            signed,
            consistency,
        };
        if s.canonical_bytes() != bytes {
            return Err("checkpoint not in canonical form".into());
        }
        Ok(s)
    }
}
