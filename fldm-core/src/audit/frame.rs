//! Length-prefixed, checksummed frames.
//!
//! A journal file starts with an 8-byte magic, followed by frames:
//!
//! ```text
//! length  u32 little-endian   number of payload bytes (1 ..= MAX_PAYLOAD)
//! kind    u8                  1 entry, 2 pruned entry, 3 checkpoint
//! payload length bytes
//! crc     u32 little-endian   CRC-32 (IEEE) over length, kind and payload
//! ```

/// Magic of the entries file.
pub const ENTRIES_MAGIC: &[u8; 8] = b"FLDMAJ\x00\x01";
/// Magic of the checkpoints file.
pub const CHECKPOINTS_MAGIC: &[u8; 8] = b"FLDMAC\x00\x01";

/// Largest payload accepted.
pub const MAX_PAYLOAD: usize = 1 << 20;

/// Frame kind: an entry in canonical form.
pub const KIND_ENTRY: u8 = 1;
/// Frame kind: a pruned entry (index u64 LE + leaf hash).
pub const KIND_PRUNED: u8 = 2;
/// Frame kind: a checkpoint.
pub const KIND_CHECKPOINT: u8 = 3;

/// Bytes around the payload.
pub const OVERHEAD: usize = 9;

/// Append one frame to `out`.
pub fn push(out: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
    let start = out.len();
    out.extend_from_slice(&len.to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out[start..]);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// A frame found in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Offset of the frame in the file.
    pub offset: usize,
    /// Kind byte.
    pub kind: u8,
    /// Payload range in the file.
    pub payload: (usize, usize),
    /// Whether the checksum matched (see `crc_checked`).
    pub crc_ok: bool,
    /// Whether `crc_ok` was computed ([`scan_deferred`] leaves most
    /// checksums to the caller: use [`crc_matches`]).
    pub crc_checked: bool,
}

/// Whether the checksum of `f` matches.
pub fn crc_matches(data: &[u8], f: &Frame) -> bool {
    let body_end = f.payload.1;
    let Some(c) = data.get(body_end..body_end + 4) else {
        return false;
    };
    crc32fast::hash(&data[f.offset..body_end]) == u32::from_le_bytes([c[0], c[1], c[2], c[3]])
}

/// How a file ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tail {
    /// The last frame ends exactly at the end of the file.
    Clean,
    /// An incomplete frame (a write interrupted by a crash) from `offset`
    /// to the end of the file.
    Torn {
        /// Where the incomplete frame starts.
        offset: usize,
    },
    /// Unreadable data at `offset` followed by more data: not a crash
    /// artefact.
    Corrupt {
        /// Where the unreadable data starts.
        offset: usize,
        /// What is wrong.
        reason: String,
    },
}

fn all_zero(b: &[u8]) -> bool {
    b.iter().all(|&x| x == 0)
}

/// Scan `data` (the whole file including the magic) for frames.
///
/// With `skip_bad_crc`, a frame whose length is plausible but whose
/// checksum fails is returned with `crc_ok == false` and scanning continues
/// (used by the verifier); otherwise the scan stops there (used on open).
pub fn scan(data: &[u8], magic: &[u8; 8], skip_bad_crc: bool) -> (Vec<Frame>, Tail) {
    scan_impl(data, magic, skip_bad_crc, false)
}

/// Like `scan(data, magic, true)`, but checksums are computed only where
/// they decide about a torn tail; the caller checks the others with
/// [`crc_matches`] (the verifier does so in parallel).
pub fn scan_deferred(data: &[u8], magic: &[u8; 8]) -> (Vec<Frame>, Tail) {
    scan_impl(data, magic, true, true)
}

fn scan_impl(data: &[u8], magic: &[u8; 8], skip_bad_crc: bool, defer: bool) -> (Vec<Frame>, Tail) {
    let mut frames = Vec::new();
    if data.len() < magic.len() {
        // An interrupted creation: only a prefix of the magic (or nothing).
        if magic.starts_with(data) {
            return (
                frames,
                if data.is_empty() {
                    Tail::Clean
                } else {
                    Tail::Torn { offset: 0 }
                },
            );
        }
        return (
            frames,
            Tail::Corrupt {
                offset: 0,
                reason: "not a journal file (bad magic)".into(),
            },
        );
    }
    if &data[..8] != magic {
        return (
            frames,
            Tail::Corrupt {
                offset: 0,
                reason: "not a journal file (bad magic)".into(),
            },
        );
    }
    let mut off = 8;
    while off < data.len() {
        let rest = &data[off..];
        if rest.len() < OVERHEAD {
            return (frames, Tail::Torn { offset: off });
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = rest[4];
        let valid_header = len > 0
            && len <= MAX_PAYLOAD
            && matches!(kind, KIND_ENTRY | KIND_PRUNED | KIND_CHECKPOINT);
        if !valid_header {
            if all_zero(rest) {
                return (frames, Tail::Torn { offset: off });
            }
            return (
                frames,
                Tail::Corrupt {
                    offset: off,
                    reason: "invalid frame header".into(),
                },
            );
        }
        let end = off + OVERHEAD + len;
        if end > data.len() {
            return (frames, Tail::Torn { offset: off });
        }
        let body_end = off + 5 + len;
        // A frame at the end, or before zeros, may be torn: its checksum
        // decides now.
        let check_now = !defer || end == data.len() || data[end..].starts_with(&[0, 0, 0, 0]);
        let crc_ok = !check_now || {
            let crc = u32::from_le_bytes([
                data[body_end],
                data[body_end + 1],
                data[body_end + 2],
                data[body_end + 3],
            ]);
            crc32fast::hash(&data[off..body_end]) == crc
        };
        if !crc_ok {
            if end == data.len() || all_zero(&data[end..]) {
                return (frames, Tail::Torn { offset: off });
            }
            if !skip_bad_crc {
                return (
                    frames,
                    Tail::Corrupt {
                        offset: off,
                        reason: "frame checksum mismatch".into(),
                    },
                );
            }
        }
        frames.push(Frame {
            offset: off,
            kind,
            payload: (off + 5, body_end),
            crc_ok,
            crc_checked: check_now,
        });
        off = end;
    }
    (frames, Tail::Clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(payloads: &[&[u8]]) -> Vec<u8> {
        let mut v = ENTRIES_MAGIC.to_vec();
        for p in payloads {
            push(&mut v, KIND_ENTRY, p);
        }
        v
    }

    #[test]
    fn every_truncation_is_a_torn_tail() {
        let f = file(&[b"one", b"two", b"three"]);
        for cut in 0..f.len() {
            let (frames, tail) = scan(&f[..cut], ENTRIES_MAGIC, false);
            let complete = frames.len();
            match tail {
                Tail::Clean => assert!(
                    cut == 0 || cut == 8 || [8 + 12, 8 + 24].contains(&cut),
                    "{cut}"
                ),
                Tail::Torn { offset } => assert!(offset <= cut && complete < 3),
                Tail::Corrupt { .. } => panic!("cut {cut} reported as corrupt"),
            }
        }
    }

    #[test]
    fn a_bad_checksum_in_the_middle_is_corrupt() {
        let mut f = file(&[b"one", b"two"]);
        f[8 + 5] ^= 1;
        assert!(matches!(
            scan(&f, ENTRIES_MAGIC, false).1,
            Tail::Corrupt { .. }
        ));
        let (frames, tail) = scan(&f, ENTRIES_MAGIC, true);
        assert_eq!(tail, Tail::Clean);
        assert!(!frames[0].crc_ok && frames[1].crc_ok);
    }
}
