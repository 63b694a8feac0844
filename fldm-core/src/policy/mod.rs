//! Legal-basis attribute filters: policy files, decisions and disclosures.
//!
//! A [`Policy`] is loaded from a TOML file (format: `docs/policy-format.md`)
//! and validated completely at load time: every problem names the file, the
//! line and the rule. [`Policy::decide`] answers a [`Request`] (office,
//! operation, purpose, case reference, date) with a [`Decision`]: a
//! [`Permit`] naming the deciding rule, its legal basis, the attribute set,
//! the transformations and the policy hash, or a [`Denial`] with a typed
//! [`DenyReason`]. Everything not permitted by a rule is denied.
//! [`Permit::apply`] turns a record into the disclosure. The policy's
//! [`DeletionRule`]s say when the hub's own records are due for deletion
//! ([`Policy::deletion_due`]).
//!
//! ```
//! use fldm_core::policy::{Operation, Policy, Request};
//! use fldm_core::date::Datum;
//!
//! let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies/reference.toml")).unwrap();
//! let policy = Policy::from_str(&text, "reference.toml").unwrap();
//! let request = Request {
//!     office: "wohnungsamt",
//!     operation: Operation::Read,
//!     purpose: Some("W01"),
//!     case_reference: Some("WA-2026-0815"),
//!     date: Datum::parse("2026-06-01").unwrap(),
//! };
//! let permit = policy.decide(&request);
//! let permit = permit.permit().unwrap();
//! assert_eq!(permit.attributes().len(), 7);
//! ```

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

mod canon;
mod decision;
mod deletion;
mod explain;
mod model;
mod parse;
mod raw;
mod write;

pub use canon::CANONICAL_FORMAT;
pub use decision::{
    Decision, Denial, DenyReason, MAX_CASE_REFERENCE_CHARS, Permit, Request, transform,
};
pub use deletion::{DeletionDue, DeletionRule, DeletionStart, PeriodStart};
pub use explain::{CSV_COLUMNS, ExplainRow, to_csv, to_markdown, to_text};
pub use model::{
    ABRUFZWECK, ABRUFZWECK_URI, DVDV_PRAEFIXE, LegalBasis, Office, Operation, Purpose, Retention,
    RetentionUnit, Rule, Transformation, Validity, short_citation,
};
pub use parse::{FORMAT_VERSION, MAX_POLICY_BYTES, PolicyFileError};
pub use write::WriteRefusal;

use crate::date::Datum;
use crate::error::{Error, Result, ValidationError, ValidationKind};

const NONE: u32 = u32::MAX;
const OPS: usize = Operation::ALL.len();

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    source: String,
    id: String,
    description: String,
    validity: Validity,
    purposes: Vec<Purpose>,
    offices: Vec<Office>,
    rules: Vec<Arc<Rule>>,
    deletions: Vec<DeletionRule>,
    canonical: String,
    hash: Arc<str>,
    office_index: HashMap<String, usize>,
    purpose_index: HashMap<String, usize>,
    cert_index: HashMap<String, usize>,
    /// (office, operation, purpose) -> index of the deciding rule, or NONE.
    table: Vec<u32>,
}

/// Today's date in UTC, for [`Request::date`].
pub fn today_utc() -> Result<Datum> {
    let d = time::OffsetDateTime::now_utc().date();
    let year = u16::try_from(d.year()).unwrap_or(0);
    Datum::new(year, u8::from(d.month()), d.day())
        .map_err(|k| Error::Validation(ValidationError::new("today", k)))
}

/// Position of each item by its key.
fn index_by<T>(items: &[T], key: impl Fn(&T) -> &String) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, x)| (key(x).clone(), i))
        .collect()
}

impl Policy {
    /// Load and validate a policy file. The error names the file, the line
    /// and the rule of the first problem (see [`Policy::check`] for all).
    pub fn load(path: impl AsRef<Path>) -> Result<Policy> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading policy file {name}"), e))?;
        Policy::from_str(&text, &name)
    }

    /// Parse and validate policy text; `source_name` is used in errors.
    pub fn from_str(text: &str, source_name: &str) -> Result<Policy> {
        Policy::check(text, source_name).map_err(|mut errors| {
            if errors.is_empty() {
                Error::Policy(format!("{source_name}: invalid policy"))
            } else {
                Error::from(errors.swap_remove(0))
            }
        })
    }

    /// Parse and validate, returning every problem (sorted by line) on failure.
    pub fn check(
        text: &str,
        source_name: &str,
    ) -> std::result::Result<Policy, Vec<PolicyFileError>> {
        let parsed = parse::parse(text, source_name)?;
        let canonical = canon::canonical_json(&parsed);
        let hash: Arc<str> = Arc::from(canon::sha256_hex(canonical.as_bytes()));
        let office_index = index_by(&parsed.offices, |o| &o.id);
        let cert_index = index_by(&parsed.offices, |o| &o.cert_identity);
        let purpose_index = index_by(&parsed.purposes, |p| &p.code);
        let np = parsed.purposes.len();
        let mut table = vec![NONE; parsed.offices.len() * OPS * np];
        for (ri, r) in parsed.rules.iter().enumerate() {
            for o in &r.offices {
                for op in &r.operations {
                    for p in &r.purposes {
                        let (Some(&oi), Some(&pi)) = (office_index.get(o), purpose_index.get(p))
                        else {
                            continue;
                        };
                        let slot = &mut table[(oi * OPS + op.index()) * np + pi];
                        let better = match *slot {
                            NONE => true,
                            cur => {
                                let c = &parsed.rules[cur as usize];
                                (r.effective_precedence(), std::cmp::Reverse(&r.id))
                                    > (c.effective_precedence(), std::cmp::Reverse(&c.id))
                            }
                        };
                        if better {
                            *slot = ri as u32;
                        }
                    }
                }
            }
        }
        Ok(Policy {
            source: source_name.to_string(),
            id: parsed.id,
            description: parsed.description,
            validity: parsed.validity,
            purposes: parsed.purposes,
            offices: parsed.offices,
            rules: parsed.rules.into_iter().map(Arc::new).collect(),
            deletions: parsed.deletions,
            canonical,
            hash,
            office_index,
            purpose_index,
            cert_index,
            table,
        })
    }

    /// The name the policy was loaded from.
    pub fn source_name(&self) -> &str {
        &self.source
    }
    /// Policy id.
    pub fn id(&self) -> &str {
        &self.id
    }
    /// Policy description.
    pub fn description(&self) -> &str {
        &self.description
    }
    /// Validity period.
    pub fn validity(&self) -> Validity {
        self.validity
    }
    /// Hex SHA-256 of the canonical form; identifies the published policy
    /// in audit records.
    pub fn hash(&self) -> &str {
        &self.hash
    }
    /// The canonical form the hash is computed over.
    pub fn canonical_json(&self) -> &str {
        &self.canonical
    }
    /// Offices, in file order.
    pub fn offices(&self) -> &[Office] {
        &self.offices
    }
    /// The office with id `id`.
    pub fn office(&self, id: &str) -> Option<&Office> {
        self.office_index.get(id).map(|&i| &self.offices[i])
    }
    /// The office a client certificate identity (subject CN) maps to.
    pub fn office_for_cert_identity(&self, cn: &str) -> Option<&Office> {
        self.cert_index.get(cn).map(|&i| &self.offices[i])
    }
    /// Known purposes: the built-in Abrufzweck codes, then those declared in the file.
    pub fn purposes(&self) -> &[Purpose] {
        &self.purposes
    }
    /// The purpose with code `code`.
    pub fn purpose(&self, code: &str) -> Option<&Purpose> {
        self.purpose_index.get(code).map(|&i| &self.purposes[i])
    }
    /// Rules, in file order.
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().map(|r| &**r)
    }
    /// The rule with id `id`.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules().find(|r| r.id == id)
    }

    /// Deletion rules for the hub's own stock, in file order.
    pub fn deletion_rules(&self) -> &[DeletionRule] {
        &self.deletions
    }

    /// Whether a record owned by `owner_office`, last changed on
    /// `last_change`, is due for deletion on `today`: among the deletion
    /// rules that cover the owner and whose start date the record has, the
    /// one with the earliest due date on or before `today` (ties: the first
    /// in the file). `None` if no rule makes the record due.
    pub fn deletion_due(
        &self,
        person: &crate::record::Person,
        owner_office: &str,
        last_change: Datum,
        today: Datum,
    ) -> Option<DeletionDue<'_>> {
        deletion::earliest_due(&self.deletions, person, owner_office, last_change, today)
    }

    fn deny(&self, reason: DenyReason, message: String) -> Decision {
        Decision::Deny(Denial {
            reason,
            message,
            policy_hash: Arc::clone(&self.hash),
        })
    }

    fn slot(&self, office: usize, op: Operation, purpose: usize) -> Option<usize> {
        let np = self.purposes.len();
        match self.table.get((office * OPS + op.index()) * np + purpose) {
            Some(&NONE) | None => None,
            Some(&r) => Some(r as usize),
        }
    }

    /// Decide a request. Pure: the result depends only on the policy and
    /// the request (the date is part of the request). Checks, in order:
    /// validity period, office, purpose present, purpose known, a rule for
    /// (office, operation, purpose), case reference.
    pub fn decide(&self, req: &Request<'_>) -> Decision {
        if !self.validity.contains(req.date) {
            let until = self
                .validity
                .until
                .map(|u| u.to_string())
                .unwrap_or_else(|| "open".into());
            return self.deny(
                DenyReason::OutsideValidity,
                format!(
                    "policy {} is valid from {} until {until}; the request is dated {}",
                    self.id, self.validity.from, req.date
                ),
            );
        }
        let Some(&oi) = self.office_index.get(req.office) else {
            return self.deny(
                DenyReason::UnknownOffice,
                format!("office {:?} is not in policy {}", clip(req.office), self.id),
            );
        };
        let purpose = match req.purpose.map(str::trim) {
            None | Some("") => {
                return self.deny(
                    DenyReason::NoPurpose,
                    "the request states no purpose (AZRG § 10 Abs. 1)".to_string(),
                );
            }
            Some(p) => p,
        };
        let Some(&pi) = self.purpose_index.get(purpose) else {
            return self.deny(
                DenyReason::UndeclaredPurpose,
                format!(
                    "purpose {:?} is neither a built-in Abrufzweck code nor declared in policy {}",
                    clip(purpose),
                    self.id
                ),
            );
        };
        let Some(ri) = self.slot(oi, req.operation, pi) else {
            return self.deny(
                DenyReason::NoMatchingRule,
                format!(
                    "no rule permits office {} to {} for purpose {}",
                    req.office, req.operation, purpose
                ),
            );
        };
        let rule = &self.rules[ri];
        match req.case_reference.map(str::trim) {
            Some(c)
                if !c.is_empty()
                    && (c.chars().count() > MAX_CASE_REFERENCE_CHARS
                        || c.chars().any(char::is_control)) =>
            {
                return self.deny(
                    DenyReason::InvalidCaseReference,
                    format!(
                        "the case reference must be at most {MAX_CASE_REFERENCE_CHARS} characters without control characters"
                    ),
                );
            }
            Some(c) if !c.is_empty() => {}
            _ if rule.case_reference_required => {
                return self.deny(
                    DenyReason::CaseReferenceRequired,
                    format!(
                        "rule {} requires a case reference (Geschäftszeichen)",
                        rule.id
                    ),
                );
            }
            _ => {}
        }
        Decision::Permit(Permit {
            rule: Arc::clone(rule),
            operation: req.operation,
            policy_hash: Arc::clone(&self.hash),
        })
    }

    /// What `office` (all if `None`) gets for `purpose` (all if `None`), and
    /// why: one row per permitted (office, purpose, operation), in the order
    /// offices (file order), purposes (built-in, then declared), operations.
    pub fn explain(&self, office: Option<&str>, purpose: Option<&str>) -> Vec<ExplainRow> {
        let mut rows = Vec::new();
        for (oi, o) in self.offices.iter().enumerate() {
            if office.is_some_and(|x| x != o.id) {
                continue;
            }
            for (pi, p) in self.purposes.iter().enumerate() {
                if purpose.is_some_and(|x| x != p.code) {
                    continue;
                }
                for op in Operation::ALL {
                    let Some(ri) = self.slot(oi, op, pi) else {
                        continue;
                    };
                    let r = &self.rules[ri];
                    rows.push(ExplainRow {
                        office: o.id.clone(),
                        office_name: o.name.clone(),
                        purpose: p.code.clone(),
                        purpose_name: p.name.clone(),
                        operation: op,
                        rule_id: r.id.clone(),
                        attributes: r.attributes.names(),
                        transformations: r.transformations.clone(),
                        legal_basis: r.legal_basis.clone(),
                        case_reference_required: r.case_reference_required,
                        retention: r.retention,
                        retention_note: r.retention_note.clone(),
                    });
                }
            }
        }
        rows
    }

    /// The full matrix (office x purpose x operation x attributes x legal
    /// basis x retention) for the DSGVO Art. 30 records; see [`to_csv`] and
    /// [`to_markdown`].
    pub fn matrix(&self) -> Vec<ExplainRow> {
        self.explain(None, None)
    }
}

/// Shorten untrusted text for messages.
fn clip(s: &str) -> String {
    s.chars().take(64).filter(|c| !c.is_control()).collect()
}

impl std::str::FromStr for Operation {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Operation::parse(s).ok_or_else(|| {
            Error::Validation(ValidationError::new(
                "operation",
                ValidationKind::Other(
                    "expected one of read, search, write, changes, statistics, audit".into(),
                ),
            ))
        })
    }
}
