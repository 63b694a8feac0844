//! The audit record: one per operation and stage (DESIGN.md § 5,
//! DOMAIN.md § 4), its validation and its canonical byte form.
//!
//! The record has no field for names, birth dates or addresses. The person
//! concerned appears only as a keyed hash of the FLDM id
//! ([`super::PseudonymKey::subject_ref`]); query criteria appear only as attribute
//! names with keyed hashes of the values ([`super::PseudonymKey::criterion`]).

use serde::{Deserialize, Serialize};
use time::Date;

use super::canon::{self, push_key, push_opt_str, push_str};
use super::dates::{date_format, date_of_ms, format_date};
use crate::error::{Error, Result, ValidationError, ValidationKind};

/// Where the record was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The department's client (Fachverfahren side).
    Client,
    /// The hub (Datendrehscheibe).
    #[default]
    Hub,
}

impl Stage {
    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Client => "client",
            Stage::Hub => "hub",
        }
    }
}

/// What was done (BDSG § 76 Abs. 1 lists these processing operations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    /// Erhebung.
    Collect,
    /// Veränderung.
    Change,
    /// Abfrage.
    #[default]
    Query,
    /// Offenlegung einschließlich Übermittlung.
    Disclose,
    /// Kombination.
    Combine,
    /// Löschung.
    Delete,
    /// Weiterleitung (a hub passing data on, AZRG § 11 Abs. 2).
    Forward,
}

impl Operation {
    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Collect => "collect",
            Operation::Change => "change",
            Operation::Query => "query",
            Operation::Disclose => "disclose",
            Operation::Combine => "combine",
            Operation::Delete => "delete",
            Operation::Forward => "forward",
        }
    }
}

/// The result of the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutcomeKind {
    /// The policy permitted the operation and it was carried out.
    #[default]
    Permitted,
    /// The policy denied the operation.
    Denied,
    /// The operation failed for a technical reason.
    Error,
}

impl OutcomeKind {
    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Permitted => "permitted",
            OutcomeKind::Denied => "denied",
            OutcomeKind::Error => "error",
        }
    }
}

/// Outcome: kind plus an optional machine reason code (a code, never free
/// text, so no personal data can enter through it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Permitted, denied or error.
    pub kind: OutcomeKind,
    /// Reason code, e.g. `no_rule`, `purpose_not_permitted`, `not_found`.
    pub reason: Option<String>,
}

/// One query criterion: the attribute name and an HMAC-SHA256 of the value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryCriterion {
    /// Catalogue name of the attribute, e.g. `grundpersonalien.familienname`.
    pub attribute: String,
    /// 64 lowercase hex characters: `HMAC-SHA256(key, ...)` (see
    /// [`super::PseudonymKey::criterion`]).
    pub value_hmac: String,
}

/// One audit record. Build it as a struct literal with `..Default::default()`
/// and call [`AuditRecord::validate`] (the journal does this on append).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Unique id of this record (e.g. a UUID).
    pub event_id: String,
    /// Id of the request; the client and hub records of one access share it.
    pub request_id: String,
    /// UTC time in milliseconds since 1970-01-01T00:00:00Z.
    pub time_ms: i64,
    /// Client or hub.
    pub stage: Stage,
    /// What was done.
    pub operation: Operation,
    /// The requesting body (office id, from its certificate at the hub).
    pub requesting_office: String,
    /// The retrieving person (user id of the clerk).
    pub retrieving_person: String,
    /// The responsible person (who answers for the admissibility).
    pub responsible_person: String,
    /// The recipient of the data, if any was disclosed.
    pub recipient: Option<String>,
    /// Purpose code (e.g. XAusländer `abrufzweck`).
    pub purpose: String,
    /// Case reference (Geschäftszeichen).
    pub case_reference: Option<String>,
    /// Legal basis citation, e.g. `§ 14 Abs. 1 AZRG`.
    pub legal_basis: Option<String>,
    /// Id of the policy rule that decided.
    pub rule_id: Option<String>,
    /// SHA-256 of the canonical policy (64 hex characters).
    pub policy_hash: Option<String>,
    /// The data used to run the query, as keyed hashes.
    pub query_criteria: Vec<QueryCriterion>,
    /// Catalogue names of the attributes transmitted.
    pub disclosed_attributes: Vec<String>,
    /// SHA-256 of the transmitted payload bytes (64 hex characters).
    pub payload_digest: Option<String>,
    /// Pseudonymous reference of the person concerned (keyed hash of the
    /// FLDM id, 64 hex characters).
    pub subject_ref: Option<String>,
    /// When a response concerns several persons (a change-feed page, search
    /// candidates): the references of all of them, sorted, without
    /// duplicates, at most [`MAX_SUBJECTS`]. Empty otherwise, and then left
    /// out of the canonical form, so records without it keep their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_refs: Vec<String>,
    /// Permitted / denied / error with a reason code.
    pub outcome: Outcome,
    /// The day after which the record may be pruned.
    #[serde(with = "date_format")]
    pub retention_until: Date,
}

impl Default for AuditRecord {
    fn default() -> Self {
        AuditRecord {
            event_id: String::new(),
            request_id: String::new(),
            time_ms: 0,
            stage: Stage::default(),
            operation: Operation::default(),
            requesting_office: String::new(),
            retrieving_person: String::new(),
            responsible_person: String::new(),
            recipient: None,
            purpose: String::new(),
            case_reference: None,
            legal_basis: None,
            rule_id: None,
            policy_hash: None,
            query_criteria: Vec::new(),
            disclosed_attributes: Vec::new(),
            payload_digest: None,
            subject_ref: None,
            subject_refs: Vec::new(),
            outcome: Outcome::default(),
            retention_until: Date::from_ordinal_date(1970, 1).unwrap_or(Date::MIN),
        }
    }
}

pub(crate) const MAX_LIST: usize = 512;

/// Most entries of [`AuditRecord::subject_refs`]: one full change-feed page.
pub const MAX_SUBJECTS: usize = 1000;

fn invalid(field: &str, kind: ValidationKind) -> Error {
    Error::Validation(ValidationError::new(field, kind))
}

fn is_code_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':')
}

/// An identifier/code: 1..=max characters from `[A-Za-z0-9._:-]`.
pub(crate) fn check_code(field: &str, v: &str, max: usize) -> Result<()> {
    if v.is_empty() {
        return Err(invalid(field, ValidationKind::Empty));
    }
    if v.len() > max {
        return Err(invalid(field, ValidationKind::TooLong { max }));
    }
    if !v.bytes().all(|b| is_code_char(char::from(b))) {
        return Err(invalid(
            field,
            ValidationKind::Format {
                expected: "letters, digits and . _ - :",
            },
        ));
    }
    Ok(())
}

/// Text: 1..=max characters, no control characters.
pub(crate) fn check_text(field: &str, v: &str, max: usize) -> Result<()> {
    if v.is_ascii() {
        // Fast path: one byte per character.
        let b = v.as_bytes();
        if b.iter().all(|c| c.is_ascii_whitespace()) {
            return Err(invalid(field, ValidationKind::Empty));
        }
        if b.len() > max {
            return Err(invalid(field, ValidationKind::TooLong { max }));
        }
        if let Some(position) = b.iter().position(|c| c.is_ascii_control()) {
            return Err(invalid(
                field,
                ValidationKind::ControlCharacter { position },
            ));
        }
        return Ok(());
    }
    if v.trim().is_empty() {
        return Err(invalid(field, ValidationKind::Empty));
    }
    if v.chars().count() > max {
        return Err(invalid(field, ValidationKind::TooLong { max }));
    }
    if let Some(position) = v.chars().position(char::is_control) {
        return Err(invalid(
            field,
            ValidationKind::ControlCharacter { position },
        ));
    }
    Ok(())
}

pub(crate) fn check_hex64(field: &str, v: &str) -> Result<()> {
    if canon::is_hex64(v) {
        Ok(())
    } else {
        Err(invalid(
            field,
            ValidationKind::Format {
                expected: "64 lowercase hex characters",
            },
        ))
    }
}

/// Who may be named in a record: office ids and user ids. A `/`, `@` or
/// space is permitted in addition to code characters (DVDV ids, e-mail
/// style user ids).
pub(crate) fn check_id(field: &str, v: &str) -> Result<()> {
    check_text(field, v, 128)?;
    if !v
        .bytes()
        .all(|b| is_code_char(char::from(b)) || matches!(b, b'/' | b'@' | b' '))
    {
        return Err(invalid(
            field,
            ValidationKind::Format {
                expected: "letters, digits and . _ - : / @ space",
            },
        ));
    }
    Ok(())
}

/// A list of at most `max` entries.
fn check_count(field: &str, found: usize, max: usize) -> Result<()> {
    if found > max {
        return Err(invalid(field, ValidationKind::Count { min: 0, max, found }));
    }
    Ok(())
}

pub(crate) fn check_time(time_ms: i64) -> Result<()> {
    if !(0..=253_402_300_799_999).contains(&time_ms) {
        return Err(invalid(
            "time_ms",
            ValidationKind::Other("time out of range (1970..9999)".into()),
        ));
    }
    Ok(())
}

pub(crate) fn check_retention(retention_until: Date, time_ms: i64) -> Result<()> {
    if !(1970..=9999).contains(&retention_until.year()) {
        return Err(invalid(
            "retention_until",
            ValidationKind::Other("year out of range (1970..9999)".into()),
        ));
    }
    if date_of_ms(time_ms).is_some_and(|d| retention_until < d) {
        return Err(invalid(
            "retention_until",
            ValidationKind::Other("earlier than the date of the record".into()),
        ));
    }
    Ok(())
}

/// `subject_refs`: empty, or 2 to [`MAX_SUBJECTS`] references of 64 hex
/// characters, strictly ascending (sorted, no duplicates), and then
/// `subject_ref` is absent (one person goes in `subject_ref`).
pub(crate) fn check_subject_refs(refs: &[String], single: bool) -> Result<()> {
    if !refs.is_empty() && (single || refs.len() < 2) {
        return Err(invalid(
            "subject_refs",
            ValidationKind::Format {
                expected: "two or more references, and no subject_ref beside them",
            },
        ));
    }
    check_count("subject_refs", refs.len(), MAX_SUBJECTS)?;
    for (i, r) in refs.iter().enumerate() {
        if !canon::is_hex64(r) {
            check_hex64(&format!("subject_refs[{i}]"), r)?;
        }
        if i > 0 && refs[i - 1] >= *r {
            return Err(invalid(
                &format!("subject_refs[{i}]"),
                ValidationKind::Format {
                    expected: "references in ascending order without duplicates",
                },
            ));
        }
    }
    Ok(())
}

impl AuditRecord {
    /// Whether the record concerns the person with this subject reference
    /// (in `subject_ref` or in `subject_refs`): the filter of a data-subject
    /// access request (DSGVO Art. 15, AZRG § 34).
    pub fn concerns(&self, subject_ref: &str) -> bool {
        self.subject_ref.as_deref() == Some(subject_ref)
            || self
                .subject_refs
                .binary_search_by(|r| r.as_str().cmp(subject_ref))
                .is_ok()
    }

    /// Check every field; the error names the field. Rules are in
    /// `docs/audit-format.md`.
    pub fn validate(&self) -> Result<()> {
        check_code("event_id", &self.event_id, 64)?;
        check_code("request_id", &self.request_id, 64)?;
        check_time(self.time_ms)?;
        check_id("requesting_office", &self.requesting_office)?;
        check_id("retrieving_person", &self.retrieving_person)?;
        check_id("responsible_person", &self.responsible_person)?;
        if let Some(r) = &self.recipient {
            check_id("recipient", r)?;
        }
        check_code("purpose", &self.purpose, 32)?;
        if let Some(c) = &self.case_reference {
            check_text("case_reference", c, 128)?;
        }
        if let Some(l) = &self.legal_basis {
            check_text("legal_basis", l, 256)?;
        }
        if let Some(r) = &self.rule_id {
            check_code("rule_id", r, 128)?;
        }
        if let Some(p) = &self.policy_hash {
            check_hex64("policy_hash", p)?;
        }
        check_count("query_criteria", self.query_criteria.len(), MAX_LIST)?;
        for (i, c) in self.query_criteria.iter().enumerate() {
            // Field names are built only for the error.
            if check_code("", &c.attribute, 128).is_err() {
                check_code(&format!("query_criteria[{i}].attribute"), &c.attribute, 128)?;
            }
            if !canon::is_hex64(&c.value_hmac) {
                check_hex64(&format!("query_criteria[{i}].value_hmac"), &c.value_hmac)?;
            }
        }
        check_count(
            "disclosed_attributes",
            self.disclosed_attributes.len(),
            MAX_LIST,
        )?;
        for (i, a) in self.disclosed_attributes.iter().enumerate() {
            if check_code("", a, 128).is_err() {
                check_code(&format!("disclosed_attributes[{i}]"), a, 128)?;
            }
        }
        if let Some(d) = &self.payload_digest {
            check_hex64("payload_digest", d)?;
        }
        if let Some(s) = &self.subject_ref {
            check_hex64("subject_ref", s)?;
        }
        check_subject_refs(&self.subject_refs, self.subject_ref.is_some())?;
        if let Some(r) = &self.outcome.reason {
            check_code("outcome.reason", r, 64)?;
        }
        check_retention(self.retention_until, self.time_ms)
    }

    /// Append the canonical JSON of the record to `out` (fixed key order,
    /// see `docs/audit-format.md`).
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        push_key(out, "event_id", true);
        push_str(out, &self.event_id);
        push_key(out, "request_id", false);
        push_str(out, &self.request_id);
        push_key(out, "time_ms", false);
        canon::push_i64(out, self.time_ms);
        push_key(out, "stage", false);
        push_str(out, self.stage.as_str());
        push_key(out, "operation", false);
        push_str(out, self.operation.as_str());
        push_key(out, "requesting_office", false);
        push_str(out, &self.requesting_office);
        push_key(out, "retrieving_person", false);
        push_str(out, &self.retrieving_person);
        push_key(out, "responsible_person", false);
        push_str(out, &self.responsible_person);
        push_key(out, "recipient", false);
        push_opt_str(out, self.recipient.as_deref());
        push_key(out, "purpose", false);
        push_str(out, &self.purpose);
        push_key(out, "case_reference", false);
        push_opt_str(out, self.case_reference.as_deref());
        push_key(out, "legal_basis", false);
        push_opt_str(out, self.legal_basis.as_deref());
        push_key(out, "rule_id", false);
        push_opt_str(out, self.rule_id.as_deref());
        push_key(out, "policy_hash", false);
        push_opt_str(out, self.policy_hash.as_deref());
        push_key(out, "query_criteria", false);
        canon::push_list(out, &self.query_criteria, |out, c| {
            out.push(b'{');
            push_key(out, "attribute", true);
            push_str(out, &c.attribute);
            push_key(out, "value_hmac", false);
            push_str(out, &c.value_hmac);
            out.push(b'}');
        });
        push_key(out, "disclosed_attributes", false);
        canon::push_str_list(out, &self.disclosed_attributes);
        push_key(out, "payload_digest", false);
        push_opt_str(out, self.payload_digest.as_deref());
        push_key(out, "subject_ref", false);
        push_opt_str(out, self.subject_ref.as_deref());
        if !self.subject_refs.is_empty() {
            push_key(out, "subject_refs", false);
            canon::push_str_list(out, &self.subject_refs);
        }
        push_key(out, "outcome", false);
        out.push(b'{');
        push_key(out, "kind", true);
        push_str(out, self.outcome.kind.as_str());
        push_key(out, "reason", false);
        push_opt_str(out, self.outcome.reason.as_deref());
        out.push(b'}');
        push_key(out, "retention_until", false);
        push_str(out, &format_date(self.retention_until));
        out.push(b'}');
    }

    /// The canonical JSON of the record.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(768);
        self.write_canonical(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::dates::{parse_date, retention};
    use super::super::pseudonym::{PseudonymKey, payload_digest};
    use super::*;

    pub(crate) fn sample() -> AuditRecord {
        let key = PseudonymKey::from_bytes(&[7u8; 32]).expect("key");
        AuditRecord {
            event_id: "e-1".into(),
            request_id: "r-1".into(),
            time_ms: 1_767_225_600_000,
            stage: Stage::Hub,
            operation: Operation::Disclose,
            requesting_office: "wgb:05315000-wohnungsamt".into(),
            retrieving_person: "u4711".into(),
            responsible_person: "u0815".into(),
            recipient: Some("wgb:05315000-wohnungsamt".into()),
            purpose: "70".into(),
            case_reference: Some("56/2026-0001 \"A\"".into()),
            legal_basis: Some("§ 14 Abs. 1 AZRG".into()),
            rule_id: Some("housing.identify".into()),
            policy_hash: Some("ab".repeat(32)),
            query_criteria: vec![key.criterion("grundpersonalien.familienname", "x")],
            disclosed_attributes: vec!["grundpersonalien.familienname".into()],
            payload_digest: Some(payload_digest(b"{}")),
            subject_ref: Some(key.subject_ref("FLDM-1")),
            subject_refs: Vec::new(),
            outcome: Outcome {
                kind: OutcomeKind::Permitted,
                reason: None,
            },
            retention_until: parse_date("2027-12-31").expect("date"),
        }
    }

    /// A record about several persons (a change-feed page).
    fn bulk() -> AuditRecord {
        let key = PseudonymKey::from_bytes(&[7u8; 32]).expect("key");
        let mut refs: Vec<String> = (1..=5)
            .map(|i| key.subject_ref(&format!("FLDM-{i}")))
            .collect();
        refs.sort();
        AuditRecord {
            subject_ref: None,
            subject_refs: refs,
            ..sample()
        }
    }

    #[test]
    fn subject_refs_are_canonical_only_when_present() {
        let one = sample();
        assert!(!String::from_utf8_lossy(&one.canonical_bytes()).contains("subject_refs"));
        let r = bulk();
        r.validate().expect("valid");
        let bytes = r.canonical_bytes();
        assert_eq!(serde_json::to_vec(&r).expect("encode"), bytes);
        let back: AuditRecord = serde_json::from_slice(&bytes).expect("decode");
        assert_eq!(back, r);
        let key = PseudonymKey::from_bytes(&[7u8; 32]).expect("key");
        assert!(r.concerns(&key.subject_ref("FLDM-3")));
        assert!(!r.concerns(&key.subject_ref("FLDM-6")));
        assert!(one.concerns(&key.subject_ref("FLDM-1")));
    }

    #[test]
    fn subject_refs_stand_alone_and_name_several() {
        let mut r = bulk();
        r.subject_ref = Some(r.subject_refs[0].clone());
        assert_eq!(
            r.validate().expect_err("both").field(),
            Some("subject_refs")
        );
        let mut r = bulk();
        r.subject_refs.truncate(1);
        assert_eq!(r.validate().expect_err("one").field(), Some("subject_refs"));
    }

    #[test]
    fn subject_refs_must_be_sorted_distinct_hex_and_bounded() {
        let mut r = bulk();
        r.subject_refs.swap(0, 1);
        assert_eq!(
            r.validate().expect_err("order").field(),
            Some("subject_refs[1]")
        );
        let mut r = bulk();
        r.subject_refs[2] = r.subject_refs[1].clone();
        assert_eq!(
            r.validate().expect_err("dup").field(),
            Some("subject_refs[2]")
        );
        let mut r = bulk();
        r.subject_refs[4] = "Mustermann".into();
        assert_eq!(
            r.validate().expect_err("hex").field(),
            Some("subject_refs[4]")
        );
        let mut r = bulk();
        r.subject_refs = (0..=MAX_SUBJECTS).map(|i| format!("{i:064x}")).collect();
        assert_eq!(
            r.validate().expect_err("count").field(),
            Some("subject_refs")
        );
        r.subject_refs.pop();
        r.validate().expect("a full page is allowed");
    }

    #[test]
    fn canonical_form_round_trips_through_serde() {
        let r = sample();
        r.validate().expect("valid");
        let bytes = r.canonical_bytes();
        let back: AuditRecord = serde_json::from_slice(&bytes).expect("decode");
        assert_eq!(back, r);
        assert_eq!(back.canonical_bytes(), bytes);
        // serde's own encoding of the same struct has the same order.
        assert_eq!(serde_json::to_vec(&r).expect("encode"), bytes);
    }

    #[test]
    fn validation_names_the_field() {
        let mut r = sample();
        r.subject_ref = Some("Mustermann".into());
        let e = r.validate().expect_err("invalid");
        assert_eq!(e.field(), Some("subject_ref"));
        let mut r = sample();
        r.outcome.reason = Some("denied because of Erika".into());
        assert_eq!(
            r.validate().expect_err("invalid").field(),
            Some("outcome.reason")
        );
    }

    #[test]
    fn criteria_are_normalised_and_attribute_bound() {
        let key = PseudonymKey::from_bytes(&[1u8; 32]).expect("key");
        let a = key.criterion("n", "Jos\u{e9}");
        let b = key.criterion("n", "Jose\u{301}");
        assert_eq!(a, b);
        assert_ne!(a.value_hmac, key.criterion("m", "Jos\u{e9}").value_hmac);
    }

    #[test]
    fn retention_helpers() {
        let t = 1_767_225_600_000; // 2026-01-01
        assert_eq!(retention::bdsg_76(t), parse_date("2027-12-31"));
        assert_eq!(retention::azrg_13(t), parse_date("2026-07-01"));
        assert_eq!(retention::bmg_40(t), parse_date("2027-01-01"));
    }
}
