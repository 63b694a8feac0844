//! A strict, allocation-free checker for canonical entry bytes.
//!
//! It accepts exactly the bytes that [`super::entry::Entry::canonical_bytes`]
//! produces for a record that passes [`super::record::AuditRecord::validate`]:
//! fixed keys in fixed order, no whitespace, minimal escapes, plain integers,
//! valid field values. The verifier uses it because it is several times
//! faster than decoding into owned values and re-encoding; a differential
//! test keeps it in step with the decoder.

use std::borrow::Cow;

use super::dates::parse_date;
use super::merkle::Hash;
use super::record::{
    MAX_LIST, MAX_SUBJECTS, check_code, check_hex64, check_id, check_retention, check_text,
    check_time,
};

type R<T> = Result<T, String>;

/// Byte classes for the single-pass string scan.
const TERM: u8 = 1; // '"', '\\' or a control character: ends the fast scan
const CODE: u8 = 2; // [A-Za-z0-9._:-]
const ID: u8 = 4; // CODE or '/', '@', ' '
const TEXT: u8 = 8; // printable ASCII
const HEX: u8 = 16; // [0-9a-f]

const fn class_of(b: u8) -> u8 {
    let code = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':');
    let mut c = 0;
    if b == b'"' || b == b'\\' || b < 0x20 {
        c |= TERM;
    }
    if code {
        c |= CODE | ID;
    }
    if matches!(b, b'/' | b'@' | b' ') {
        c |= ID;
    }
    if b >= 0x20 && b < 0x7f {
        c |= TEXT;
    }
    if b.is_ascii_digit() || (b >= b'a' && b <= b'f') {
        c |= HEX;
    }
    c
}

/// Values of lowercase hex digits; 0xff for every other byte.
static HEXVAL: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Decode 64 lowercase hex digits.
fn lower_hex32(b: &[u8]) -> Option<Hash> {
    let mut h = [0u8; 32];
    let mut bad = 0u8;
    for (out, pair) in h.iter_mut().zip(b.chunks_exact(2)) {
        let (hi, lo) = (HEXVAL[pair[0] as usize], HEXVAL[pair[1] as usize]);
        bad |= hi | lo;
        *out = hi << 4 | (lo & 0x0f);
    }
    (b.len() == 64 && bad & 0xf0 == 0).then_some(h)
}

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = class_of(i as u8);
        i += 1;
    }
    t
};

struct P<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

fn syntax(what: &str, at: usize) -> String {
    format!("not in canonical form at byte {at} (expected {what})")
}

impl<'a> P<'a> {
    /// A fixed literal; the length is a constant, so the comparison is
    /// inlined.
    #[inline(always)]
    fn lit_n<const N: usize>(&mut self, s: &[u8; N]) -> R<()> {
        let ok = self
            .b
            .get(self.i..self.i + N)
            .and_then(|w| <&[u8; N]>::try_from(w).ok())
            .is_some_and(|w| w == s);
        if ok {
            self.i += N;
            Ok(())
        } else {
            Err(syntax(&String::from_utf8_lossy(s), self.i))
        }
    }

    /// Decimal digits without leading zeros, as a value that fits in u64.
    fn digits(&mut self) -> R<u64> {
        let start = self.i;
        let mut v: Option<u64> = Some(0);
        while let Some(&c) = self.b.get(self.i) {
            if !c.is_ascii_digit() {
                break;
            }
            v = v
                .and_then(|v| v.checked_mul(10))
                .and_then(|v| v.checked_add(u64::from(c - b'0')));
            self.i += 1;
        }
        let n = self.i - start;
        match v {
            Some(v) if n > 0 && !(n > 1 && self.b[start] == b'0') => Ok(v),
            _ => Err(syntax("an integer without leading zeros", start)),
        }
    }

    fn u64(&mut self) -> R<u64> {
        self.digits()
    }

    fn i64(&mut self) -> R<i64> {
        let neg = self.b.get(self.i) == Some(&b'-');
        if neg {
            self.i += 1;
        }
        let at = self.i;
        let d = self.digits()?;
        let v = i64::try_from(d).map_err(|_| syntax("an integer", at))?;
        if neg && v == 0 {
            return Err(syntax("an integer", at));
        }
        Ok(if neg { -v } else { v })
    }

    /// A string literal in canonical escaping; returns its value and the
    /// AND of the byte classes of an unescaped value (0 if escaped).
    fn string_cls(&mut self) -> R<(Cow<'a, str>, u8)> {
        self.lit_n(b"\"")?;
        let start = self.i;
        let mut acc = 0xff;
        let mut i = self.i;
        // Eight bytes at a time without a branch per byte, then the rest.
        while let Some(chunk) = self.b.get(i..i + 8) {
            let (mut or, mut and) = (0u8, 0xffu8);
            for &b in chunk {
                let c = CLASS[b as usize];
                or |= c;
                and &= c;
            }
            if or & TERM != 0 {
                break;
            }
            acc &= and;
            i += 8;
        }
        while let Some(&b) = self.b.get(i) {
            let c = CLASS[b as usize];
            if c & TERM != 0 {
                break;
            }
            acc &= c;
            i += 1;
        }
        self.i = i;
        if self.b.get(i) == Some(&b'"') {
            let raw = self.s.get(start..i).ok_or_else(|| syntax("UTF-8", start))?;
            self.i += 1;
            return Ok((Cow::Borrowed(raw), acc));
        }
        self.string_escaped(start).map(|v| (v, 0))
    }

    fn string(&mut self) -> R<Cow<'a, str>> {
        self.string_cls().map(|(v, _)| v)
    }

    /// Continue a string with escapes from `self.i` (string content began
    /// at `start`).
    fn string_escaped(&mut self, start: usize) -> R<Cow<'a, str>> {
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(syntax("the end of a string", self.i));
            };
            match c {
                b'"' => break,
                b'\\' => match self.b.get(self.i + 1) {
                    Some(b'"' | b'\\') => self.i += 2,
                    Some(b'u') => {
                        // Only U+0000-U+001F, as \u00xx with lowercase hex.
                        let h = self.b.get(self.i + 2..self.i + 6).unwrap_or_default();
                        let ok = h.len() == 4
                            && h[0] == b'0'
                            && h[1] == b'0'
                            && matches!(h[2], b'0' | b'1')
                            && (h[3].is_ascii_digit() || (b'a'..=b'f').contains(&h[3]));
                        if !ok {
                            return Err(syntax("a minimal escape", self.i));
                        }
                        self.i += 6;
                    }
                    _ => return Err(syntax("a minimal escape", self.i)),
                },
                0x00..=0x1f => return Err(syntax("an escaped control character", self.i)),
                _ => self.i += 1,
            }
        }
        // Both ends are at ASCII quotes, hence at char boundaries.
        let raw = self
            .s
            .get(start..self.i)
            .ok_or_else(|| syntax("UTF-8", start))?;
        self.i += 1;
        let v: String = serde_json::from_str(&format!("\"{raw}\""))
            .map_err(|_| syntax("a valid string", start))?;
        Ok(Cow::Owned(v))
    }

    /// A code field: fast acceptance, else the exact check (same rules).
    fn code(&mut self, name: &str, max: usize) -> R<()> {
        let (v, c) = self.string_cls()?;
        if c & CODE != 0 && !v.is_empty() && v.len() <= max {
            return Ok(());
        }
        field(check_code(name, &v, max))
    }

    fn id(&mut self, name: &str, v: Cow<'a, str>, c: u8) -> R<()> {
        if c & ID != 0 && !v.is_empty() && !v.starts_with(' ') && v.len() <= 128 {
            return Ok(());
        }
        field(check_id(name, &v))
    }

    fn text(&mut self, name: &str, v: Cow<'a, str>, c: u8, max: usize) -> R<()> {
        if c & TEXT != 0 && !v.is_empty() && !v.starts_with(' ') && v.len() <= max {
            return Ok(());
        }
        field(check_text(name, &v, max))
    }

    /// Fast path for a quoted 64-digit lowercase hex value.
    fn quoted_hex64(&mut self) -> bool {
        let i = self.i;
        let ok = self.b.get(i) == Some(&b'"')
            && self.b.get(i + 65) == Some(&b'"')
            && self.b.get(i + 1..i + 65).is_some_and(|h| {
                h.iter().fold(0u8, |bad, &x| bad | HEXVAL[x as usize]) & 0xf0 == 0
            });
        if ok {
            self.i += 66;
        }
        ok
    }

    fn opt_hex64(&mut self, name: &str) -> R<()> {
        if self.null() || self.quoted_hex64() {
            return Ok(());
        }
        let (v, c) = self.string_cls()?;
        if c & HEX != 0 && v.len() == 64 {
            return Ok(());
        }
        field(check_hex64(name, &v))
    }

    fn null(&mut self) -> bool {
        if self.b[self.i..].starts_with(b"null") {
            self.i += 4;
            true
        } else {
            false
        }
    }

    fn opt_string(&mut self) -> R<Option<(Cow<'a, str>, u8)>> {
        if self.null() {
            Ok(None)
        } else {
            self.string_cls().map(Some)
        }
    }

    /// `"` + 64 lowercase hex + `"`.
    fn hash(&mut self) -> R<Hash> {
        let at = self.i;
        self.lit_n(b"\"")?;
        let h = self
            .b
            .get(self.i..self.i + 64)
            .and_then(lower_hex32)
            .ok_or_else(|| syntax("64 lowercase hex characters", at))?;
        self.i += 64;
        self.lit_n(b"\"")?;
        Ok(h)
    }

    fn one_of(&mut self, options: &[&str]) -> R<usize> {
        let at = self.i;
        for (k, o) in options.iter().enumerate() {
            let o = o.as_bytes();
            if self.b.get(at) == Some(&b'"')
                && self.b.get(at + 1..at + 1 + o.len()) == Some(o)
                && self.b.get(at + 1 + o.len()) == Some(&b'"')
            {
                self.i = at + 2 + o.len();
                return Ok(k);
            }
        }
        Err(syntax(&format!("one of {options:?}"), at))
    }

    /// A list of items, each parsed by `item`; at most `MAX_LIST`.
    fn list(&mut self, field: &str, item: impl FnMut(&mut Self, usize) -> R<()>) -> R<()> {
        self.list_max(field, MAX_LIST, item)
    }

    /// A list of at most `max` items, each parsed by `item`.
    fn list_max(
        &mut self,
        field: &str,
        max: usize,
        mut item: impl FnMut(&mut Self, usize) -> R<()>,
    ) -> R<()> {
        self.lit_n(b"[")?;
        let mut n = 0;
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(());
        }
        loop {
            if n == max {
                return Err(format!("{field}: more than {max} items"));
            }
            item(self, n)?;
            n += 1;
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return Err(syntax(", or ]", self.i)),
            }
        }
    }
}

fn field<T>(r: crate::Result<T>) -> R<T> {
    r.map_err(|e| format!("invalid record: {e}"))
}

/// Check canonical entry bytes; returns the index and the `prev` link.
pub(crate) fn check_entry(bytes: &[u8]) -> R<(u64, Hash)> {
    let s = std::str::from_utf8(bytes).map_err(|e| syntax("UTF-8", e.valid_up_to()))?;
    let mut p = P { s, b: bytes, i: 0 };
    p.lit_n(b"{\"index\":")?;
    let index = p.u64()?;
    p.lit_n(b",\"prev\":")?;
    let prev = p.hash()?;
    p.lit_n(b",\"record\":{\"event_id\":")?;
    p.code("event_id", 64)?;
    p.lit_n(b",\"request_id\":")?;
    p.code("request_id", 64)?;
    p.lit_n(b",\"time_ms\":")?;
    let time_ms = p.i64()?;
    field(check_time(time_ms))?;
    p.lit_n(b",\"stage\":")?;
    p.one_of(&["client", "hub"])?;
    p.lit_n(b",\"operation\":")?;
    p.one_of(&[
        "collect", "change", "query", "disclose", "combine", "delete", "forward",
    ])?;
    p.lit_n(b",\"requesting_office\":")?;
    let (v, c) = p.string_cls()?;
    p.id("requesting_office", v, c)?;
    p.lit_n(b",\"retrieving_person\":")?;
    let (v, c) = p.string_cls()?;
    p.id("retrieving_person", v, c)?;
    p.lit_n(b",\"responsible_person\":")?;
    let (v, c) = p.string_cls()?;
    p.id("responsible_person", v, c)?;
    p.lit_n(b",\"recipient\":")?;
    if let Some((v, c)) = p.opt_string()? {
        p.id("recipient", v, c)?;
    }
    p.lit_n(b",\"purpose\":")?;
    p.code("purpose", 32)?;
    p.lit_n(b",\"case_reference\":")?;
    if let Some((v, c)) = p.opt_string()? {
        p.text("case_reference", v, c, 128)?;
    }
    p.lit_n(b",\"legal_basis\":")?;
    if let Some((v, c)) = p.opt_string()? {
        p.text("legal_basis", v, c, 256)?;
    }
    p.lit_n(b",\"rule_id\":")?;
    if !p.null() {
        p.code("rule_id", 128)?;
    }
    p.lit_n(b",\"policy_hash\":")?;
    p.opt_hex64("policy_hash")?;
    p.lit_n(b",\"query_criteria\":")?;
    p.list("query_criteria", |p, i| {
        p.lit_n(b"{\"attribute\":")?;
        let (a, c) = p.string_cls()?;
        if !(c & CODE != 0 && !a.is_empty() && a.len() <= 128) {
            field(check_code(
                &format!("query_criteria[{i}].attribute"),
                &a,
                128,
            ))?;
        }
        p.lit_n(b",\"value_hmac\":")?;
        if p.quoted_hex64() {
            return p.lit_n(b"}");
        }
        let (h, c) = p.string_cls()?;
        if !(c & HEX != 0 && h.len() == 64) {
            field(check_hex64(&format!("query_criteria[{i}].value_hmac"), &h))?;
        }
        p.lit_n(b"}")
    })?;
    p.lit_n(b",\"disclosed_attributes\":")?;
    p.list("disclosed_attributes", |p, i| {
        let (a, c) = p.string_cls()?;
        if !(c & CODE != 0 && !a.is_empty() && a.len() <= 128) {
            field(check_code(&format!("disclosed_attributes[{i}]"), &a, 128))?;
        }
        Ok(())
    })?;
    p.lit_n(b",\"payload_digest\":")?;
    p.opt_hex64("payload_digest")?;
    p.lit_n(b",\"subject_ref\":")?;
    let single = !p.b[p.i..].starts_with(b"null");
    p.opt_hex64("subject_ref")?;
    // Present only when not empty (see AuditRecord::subject_refs).
    if p.b[p.i..].starts_with(b",\"subject_refs\":") {
        p.i += b",\"subject_refs\":".len();
        let at = p.i;
        let (mut n, mut prev): (usize, Option<Hash>) = (0, None);
        p.list_max("subject_refs", MAX_SUBJECTS, |p, _| {
            let h = p.hash()?;
            if prev.is_some_and(|q| q >= h) {
                return Err(
                    "invalid record: subject_refs: not in ascending order without duplicates"
                        .into(),
                );
            }
            (n, prev) = (n + 1, Some(h));
            Ok(())
        })?;
        if single || n < 2 {
            return Err(syntax(
                "two or more subject_refs, and subject_ref null beside them",
                at,
            ));
        }
    }
    p.lit_n(b",\"outcome\":{\"kind\":")?;
    p.one_of(&["permitted", "denied", "error"])?;
    p.lit_n(b",\"reason\":")?;
    if !p.null() {
        p.code("outcome.reason", 64)?;
    }
    p.lit_n(b"},\"retention_until\":")?;
    let at = p.i;
    let d = p.string()?;
    let date = parse_date(&d).ok_or_else(|| syntax("a date YYYY-MM-DD", at))?;
    field(check_retention(date, time_ms))?;
    p.lit_n(b"}}")?;
    if p.i != bytes.len() {
        return Err(syntax("the end of the entry", p.i));
    }
    Ok((index, prev))
}

#[cfg(test)]
mod tests {
    use super::super::entry::Entry;
    use super::super::pseudonym::PseudonymKey;
    use super::super::record::{AuditRecord, Outcome, OutcomeKind, QueryCriterion};
    use super::*;

    fn records() -> Vec<AuditRecord> {
        let key = PseudonymKey::from_bytes(&[3u8; 32]).expect("key");
        let base = AuditRecord {
            event_id: "e-1".into(),
            request_id: "r-1".into(),
            time_ms: 1_767_225_600_123,
            requesting_office: "azr:0815 amt/1@x".into(),
            retrieving_person: "u1".into(),
            responsible_person: "u2".into(),
            purpose: "70".into(),
            retention_until: parse_date("2026-01-01").expect("date"),
            ..Default::default()
        };
        let mut full = base.clone();
        full.recipient = Some("wgb:1".into());
        full.case_reference = Some("Az. \"7\" \\ 12/26 ÄÖÜ".into());
        full.legal_basis = Some("§ 18c AZRG".into());
        full.rule_id = Some("r.1".into());
        full.policy_hash = Some("0".repeat(64));
        full.query_criteria = vec![
            key.criterion("a.b", "x"),
            QueryCriterion {
                attribute: "c".into(),
                value_hmac: "f".repeat(64),
            },
        ];
        full.disclosed_attributes = vec!["a.b".into(), "c".into()];
        full.payload_digest = Some("1".repeat(64));
        full.subject_ref = Some(key.subject_ref("FLDM-9"));
        full.outcome = Outcome {
            kind: OutcomeKind::Denied,
            reason: Some("no_rule".into()),
        };
        let mut bulk = full.clone();
        bulk.subject_ref = None;
        bulk.subject_refs = ["FLDM-1", "FLDM-2", "FLDM-3"]
            .iter()
            .map(|id| key.subject_ref(id))
            .collect();
        bulk.subject_refs.sort();
        vec![base, full, bulk]
    }

    fn decoder_accepts(b: &[u8]) -> bool {
        Entry::decode_canonical(b).is_ok()
    }

    #[test]
    fn accepts_what_the_encoder_writes() {
        for (i, r) in records().into_iter().enumerate() {
            let e = Entry {
                index: i as u64 * 1000,
                prev: [9u8; 32],
                record: r,
            };
            let b = e.canonical_bytes();
            assert_eq!(check_entry(&b), Ok((e.index, e.prev)));
        }
    }

    /// The forms of `subject_refs` that are not canonical: both the strict
    /// checker and the decoder refuse each, and accept the original.
    #[test]
    fn non_canonical_subject_refs_are_refused_by_both() {
        let bulk = records().pop().expect("bulk record");
        let refs = bulk.subject_refs.clone();
        let b = Entry {
            index: 3,
            prev: [1u8; 32],
            record: bulk,
        }
        .canonical_bytes();
        let text = String::from_utf8(b).expect("utf8");
        let list = |v: &[String]| {
            let quoted: Vec<String> = v.iter().map(|r| format!("\"{r}\"")).collect();
            format!("[{}]", quoted.join(","))
        };
        let original = list(&refs);
        assert!(text.contains(&original));
        assert!(check_entry(text.as_bytes()).is_ok() && decoder_accepts(text.as_bytes()));
        let mut swapped = refs.clone();
        swapped.swap(0, 1);
        let duplicated = vec![refs[0].clone(), refs[0].clone(), refs[1].clone()];
        let upper: Vec<String> = refs.iter().map(|r| r.to_uppercase()).collect();
        let variants = [
            text.replace(&original, "[]"),
            text.replace(&original, &list(&swapped)),
            text.replace(&original, &list(&duplicated)),
            text.replace(&original, &list(&upper)),
            text.replace(&original, &list(&refs[..1])),
            text.replace(
                "\"subject_ref\":null",
                &format!("\"subject_ref\":\"{}\"", refs[0]),
            ),
        ];
        for (i, v) in variants.iter().enumerate() {
            assert_ne!(v, &text, "variant {i} changes the entry");
            assert!(
                check_entry(v.as_bytes()).is_err(),
                "strict accepts variant {i}"
            );
            assert!(
                !decoder_accepts(v.as_bytes()),
                "decoder accepts variant {i}"
            );
        }
        // More than MAX_SUBJECTS references.
        let many: Vec<String> = (0..=MAX_SUBJECTS).map(|i| format!("{i:064x}")).collect();
        let v = text.replace(&original, &list(&many));
        assert!(check_entry(v.as_bytes()).is_err() && !decoder_accepts(v.as_bytes()));
    }

    /// Differential test: for every single-byte change, deletion and
    /// insertion, the strict checker and the decoder agree.
    #[test]
    fn agrees_with_the_decoder_on_mutations() {
        let alphabet = b"\"\\}],0aA\x01\xc3";
        let mut checked = 0;
        for r in records() {
            let b = Entry {
                index: 7,
                prev: [0xab; 32],
                record: r,
            }
            .canonical_bytes();
            for pos in 0..b.len() {
                let mut variants = Vec::new();
                let mut del = b.clone();
                del.remove(pos);
                variants.push(del);
                for &c in alphabet {
                    let mut m = b.clone();
                    m[pos] = c;
                    variants.push(m);
                    let mut ins = b.clone();
                    ins.insert(pos, c);
                    variants.push(ins);
                }
                for v in variants {
                    assert_eq!(
                        check_entry(&v).is_ok(),
                        decoder_accepts(&v),
                        "disagreement on {:?}",
                        String::from_utf8_lossy(&v)
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 10_000);
    }
}
