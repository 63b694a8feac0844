//! The canonical form of a policy and its hash.
//!
//! The canonical form is compact JSON (UTF-8, no insignificant whitespace)
//! of the parsed policy with every list in a fixed order: declared purposes
//! by code, offices by id, rules by id, a rule's offices and purposes
//! sorted, operations and transformations in their documented order,
//! attributes expanded from groups and in catalogue order, then the
//! deletion rules by id (only when there are any). Formatting,
//! comments, key order and the spelling of the file (a group or its
//! members, a TOML date or a date string) therefore do not change it. The
//! policy hash is the lower-case hex SHA-256 of these bytes. The layout is
//! documented in `docs/policy-format.md`.

use serde::Serialize;

use super::parse::{FORMAT_VERSION, Parsed};

/// Identifier of the canonical layout, the first member of the form.
pub const CANONICAL_FORMAT: &str = "fldm-policy-canonical/1";

#[derive(Serialize)]
struct CPolicy<'a> {
    canonical: &'static str,
    format_version: i64,
    id: &'a str,
    description: &'a str,
    valid_from: &'a str,
    valid_until: Option<&'a str>,
    purposes: Vec<CPurpose<'a>>,
    offices: Vec<COffice<'a>>,
    rules: Vec<CRule<'a>>,
    /// Absent when the policy has no deletion rules, so that the hash of
    /// such a policy is the same as before deletion rules existed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    deletions: Vec<CDeletion<'a>>,
}

#[derive(Serialize)]
struct CPurpose<'a> {
    code: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct COffice<'a> {
    id: &'a str,
    name: &'a str,
    dvdv_id: &'a str,
    cert_identity: &'a str,
}

#[derive(Serialize)]
struct CLegalBasis<'a> {
    law: &'a str,
    section: &'a str,
    citation: &'a str,
}

#[derive(Serialize)]
struct CRule<'a> {
    id: &'a str,
    description: &'a str,
    offices: &'a [String],
    operations: Vec<&'static str>,
    purposes: &'a [String],
    legal_basis: CLegalBasis<'a>,
    attributes: Vec<&'static str>,
    transformations: Vec<&'static str>,
    case_reference_required: bool,
    retention: Option<String>,
    retention_note: &'a str,
    precedence: Option<i64>,
}

#[derive(Serialize)]
struct CDeletion<'a> {
    id: &'a str,
    description: &'a str,
    start: &'static str,
    period: String,
    period_start: &'static str,
    owners: &'a [String],
    legal_basis: CLegalBasis<'a>,
    dpo_confirmed: bool,
}

/// The canonical JSON text of a parsed policy.
pub(crate) fn canonical_json(p: &Parsed) -> String {
    let from = p.validity.from.to_string();
    let until = p.validity.until.map(|u| u.to_string());
    let purposes = sorted(
        p.purposes.iter().filter(|x| !x.builtin),
        |x| CPurpose {
            code: &x.code,
            name: &x.name,
        },
        |c| c.code,
    );
    let offices = sorted(
        &p.offices,
        |o| COffice {
            id: &o.id,
            name: &o.name,
            dvdv_id: &o.dvdv_id,
            cert_identity: &o.cert_identity,
        },
        |c| c.id,
    );
    let rules = sorted(
        &p.rules,
        |r| CRule {
            id: &r.id,
            description: &r.description,
            offices: &r.offices,
            operations: r.operations.iter().map(|o| o.as_str()).collect(),
            purposes: &r.purposes,
            legal_basis: CLegalBasis {
                law: &r.legal_basis.law,
                section: &r.legal_basis.section,
                citation: &r.legal_basis.citation,
            },
            attributes: r.attributes.names(),
            transformations: r.transformations.iter().map(|t| t.as_str()).collect(),
            case_reference_required: r.case_reference_required,
            retention: r.retention.map(|x| x.iso8601()),
            retention_note: &r.retention_note,
            precedence: r.precedence,
        },
        |c| c.id,
    );
    let deletions = sorted(
        &p.deletions,
        |d| CDeletion {
            id: &d.id,
            description: &d.description,
            start: d.start.as_str(),
            period: d.period.iso8601(),
            period_start: d.period_start.as_str(),
            owners: &d.owners,
            legal_basis: CLegalBasis {
                law: &d.legal_basis.law,
                section: &d.legal_basis.section,
                citation: &d.legal_basis.citation,
            },
            dpo_confirmed: d.dpo_confirmed,
        },
        |c| c.id,
    );
    let c = CPolicy {
        canonical: CANONICAL_FORMAT,
        format_version: FORMAT_VERSION,
        id: &p.id,
        description: &p.description,
        valid_from: &from,
        valid_until: until.as_deref(),
        purposes,
        offices,
        rules,
        deletions,
    };
    // Serialising these structs cannot fail: string keys, no floats, no maps.
    serde_json::to_string(&c).unwrap_or_default()
}

/// A list in its canonical form: each item as `form` writes it, ordered by
/// `key` (a code or an id; the sort is stable).
fn sorted<'a, T: 'a, C>(
    items: impl IntoIterator<Item = &'a T>,
    form: impl FnMut(&'a T) -> C,
    key: impl Fn(&C) -> &'a str,
) -> Vec<C> {
    let mut list: Vec<C> = items.into_iter().map(form).collect();
    list.sort_by(|a, b| key(a).cmp(key(b)));
    list
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut s = String::with_capacity(64);
    for b in d.as_ref() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}
