//! Helpers for the canonical JSON byte form and hex encoding.
//!
//! Canonical JSON (see `docs/audit-format.md`): objects with a fixed key
//! order, no whitespace, UTF-8, strings escaped only where JSON requires it
//! (`"` as `\"`, `\` as `\\`, U+0000-U+001F as `\u00xx` with lowercase hex),
//! integers in plain decimal, absent optional values as `null`.

use super::merkle::Hash;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// Decode lowercase (or uppercase) hex; `None` if not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    b.chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decode a 64-character hex string to a hash (no allocation).
pub fn unhex32(s: &str) -> Option<Hash> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let mut h = [0u8; 32];
    for (i, out) in h.iter_mut().enumerate() {
        *out = nibble(b[2 * i])? << 4 | nibble(b[2 * i + 1])?;
    }
    Some(h)
}

/// Whether `s` is exactly 64 lowercase hex characters.
pub fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

/// Append a JSON string literal in canonical form.
pub fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: Option<&[u8]> = match c {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match esc {
            Some(e) => out.extend_from_slice(e),
            None => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Append `"key":` (keys are ASCII identifiers, no escaping needed).
pub fn push_key(out: &mut Vec<u8>, key: &str, first: bool) {
    if !first {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Append an optional string (`null` if absent).
pub fn push_opt_str(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        Some(s) => push_str(out, s),
        None => out.extend_from_slice(b"null"),
    }
}

/// Append an unsigned integer.
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(v.to_string().as_bytes());
}

/// Append a signed integer.
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(v.to_string().as_bytes());
}

/// Append a hex string of a hash.
pub fn push_hash(out: &mut Vec<u8>, h: &Hash) {
    out.push(b'"');
    for b in h {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
    out.push(b'"');
}

/// Append a list: `[`, each item written by `push`, separated by `,`, `]`.
pub fn push_list<T>(out: &mut Vec<u8>, items: &[T], push: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push(out, item);
    }
    out.push(b']');
}

/// Append a list of strings.
pub fn push_str_list(out: &mut Vec<u8>, items: &[String]) {
    push_list(out, items, |out, s| push_str(out, s));
}

/// Append a list of hashes as hex strings.
pub fn push_hash_list(out: &mut Vec<u8>, items: &[Hash]) {
    push_list(out, items, push_hash);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_strings_match_serde_json_for_valid_text() {
        for s in [
            "plain",
            "quote \" and \\ backslash",
            "§ 14 Abs. 1 AZRG",
            "tab\tnl\n\u{1}",
            "\u{7f}é",
        ] {
            let mut out = Vec::new();
            push_str(&mut out, s);
            let back: String = serde_json::from_slice(&out).expect("valid JSON");
            assert_eq!(back, s);
        }
        let mut out = Vec::new();
        push_str(&mut out, "a\u{1}b\n");
        assert_eq!(out, b"\"a\\u0001b\\u000a\"");
    }

    #[test]
    fn hex_round_trip() {
        let h = [0xabu8; 32];
        assert_eq!(unhex32(&hex(&h)), Some(h));
        assert!(unhex("zz").is_none());
        assert!(is_hex64(&hex(&h)));
    }
}
