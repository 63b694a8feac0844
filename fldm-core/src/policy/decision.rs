//! Requests, decisions and disclosures.

use std::fmt;
use std::sync::Arc;

use super::model::{LegalBasis, Operation, Retention, Rule, Transformation};
use crate::attribute::{self, AttributeSet};
use crate::date::Datum;
use crate::record::{Anschrift, Person};

/// Longest case reference (Geschäftszeichen) accepted, in characters.
pub const MAX_CASE_REFERENCE_CHARS: usize = crate::wire::headers::Rule::CASE.max;

/// What an office asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// Office id (the hub takes it from the client certificate, see
    /// [`super::Policy::office_for_cert_identity`]).
    pub office: &'a str,
    /// Operation.
    pub operation: Operation,
    /// Purpose code (Abrufzweck); `None` or blank is a denial.
    pub purpose: Option<&'a str>,
    /// Case reference (Geschäftszeichen), if the request carries one.
    pub case_reference: Option<&'a str>,
    /// The day the request is decided for, checked against the policy's
    /// validity period. `decide` never reads the clock; callers pass
    /// [`super::today_utc`] or the date of the request.
    pub date: Datum,
}

/// Why a request was denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DenyReason {
    /// The request date is outside the policy's validity period.
    OutsideValidity,
    /// The office is not in the policy.
    UnknownOffice,
    /// The request states no purpose (AZRG § 10 Abs. 1).
    NoPurpose,
    /// The purpose is neither a built-in Abrufzweck code nor declared in the policy.
    UndeclaredPurpose,
    /// No rule permits this office the operation for this purpose (default deny).
    NoMatchingRule,
    /// The deciding rule requires a case reference and the request has none.
    CaseReferenceRequired,
    /// The case reference is too long or contains control characters.
    InvalidCaseReference,
}

impl DenyReason {
    /// Stable machine code, e.g. `no_matching_rule`.
    pub fn code(&self) -> &'static str {
        match self {
            DenyReason::OutsideValidity => "outside_validity",
            DenyReason::UnknownOffice => "unknown_office",
            DenyReason::NoPurpose => "no_purpose",
            DenyReason::UndeclaredPurpose => "undeclared_purpose",
            DenyReason::NoMatchingRule => "no_matching_rule",
            DenyReason::CaseReferenceRequired => "case_reference_required",
            DenyReason::InvalidCaseReference => "invalid_case_reference",
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A denial: the reason and a message for people. The message names the
/// office, operation and purpose code, never personal data or the case
/// reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// Typed reason.
    pub reason: DenyReason,
    /// Explanation.
    pub message: String,
    /// Hash of the policy that denied (for the audit record).
    pub policy_hash: Arc<str>,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "denied ({}): {}", self.reason, self.message)
    }
}

/// A permit: the deciding rule and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    pub(crate) rule: Arc<Rule>,
    pub(crate) operation: Operation,
    pub(crate) policy_hash: Arc<str>,
}

/// The outcome of [`super::Policy::decide`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Permitted, by the named rule.
    Permit(Permit),
    /// Denied, with a reason.
    Deny(Denial),
}

impl Decision {
    /// The permit, if permitted.
    pub fn permit(&self) -> Option<&Permit> {
        match self {
            Decision::Permit(p) => Some(p),
            Decision::Deny(_) => None,
        }
    }

    /// The denial, if denied.
    pub fn denial(&self) -> Option<&Denial> {
        match self {
            Decision::Permit(_) => None,
            Decision::Deny(d) => Some(d),
        }
    }

    /// Whether permitted.
    pub fn is_permit(&self) -> bool {
        matches!(self, Decision::Permit(_))
    }
}

impl Permit {
    /// Id of the deciding rule (goes into the audit record).
    pub fn rule_id(&self) -> &str {
        &self.rule.id
    }
    /// The deciding rule.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }
    /// Legal basis of the deciding rule.
    pub fn legal_basis(&self) -> &LegalBasis {
        &self.rule.legal_basis
    }
    /// Permitted attributes (for `write`: the attributes that may be written).
    pub fn attributes(&self) -> AttributeSet {
        self.rule.attributes
    }
    /// Transformations applied by [`Permit::apply`].
    pub fn transformations(&self) -> &[Transformation] {
        &self.rule.transformations
    }
    /// Whether the rule requires a case reference (the request had one).
    pub fn case_reference_required(&self) -> bool {
        self.rule.case_reference_required
    }
    /// Retention period of the received data.
    pub fn retention(&self) -> Option<Retention> {
        self.rule.retention
    }
    /// The permitted operation.
    pub fn operation(&self) -> Operation {
        self.operation
    }
    /// Hash of the policy's canonical form (hex SHA-256).
    pub fn policy_hash(&self) -> &str {
        &self.policy_hash
    }

    /// The disclosure of `person`: exactly the permitted attributes (plus the
    /// FLDM id that every disclosure carries), with the rule's
    /// transformations applied. For statistics and audit permits the set is
    /// empty and only the FLDM id remains; those operations do not disclose
    /// records.
    pub fn apply(&self, person: &Person) -> Person {
        if self.rule.transformations.is_empty() && self.rule.attributes == AttributeSet::all() {
            return person.clone();
        }
        let mut out = attribute::project(person, self.rule.attributes);
        for t in &self.rule.transformations {
            transform(*t, &mut out);
        }
        out
    }

    /// The attributes of `person` (an incoming write) that this permit does
    /// not allow; empty means the write is within the permit.
    pub fn unpermitted(&self, person: &Person) -> AttributeSet {
        let present = attribute::present(person);
        AttributeSet::from_bits(present.bits() & !self.rule.attributes.bits())
    }
}

fn reduce_address(a: &mut Anschrift) -> bool {
    *a = Anschrift {
        postleitzahl: a.postleitzahl.take(),
        ort: a.ort.take(),
        ..Anschrift::default()
    };
    a.postleitzahl.is_some() || a.ort.is_some()
}

/// Apply one transformation to a disclosure.
pub fn transform(t: Transformation, p: &mut Person) {
    match t {
        Transformation::BirthDateYear => {
            if let Some(d) = &mut p.grundpersonalien.geburtsdatum {
                *d = d.to_year();
            }
            for a in &mut p.weitere_personalien.aliaspersonalien {
                if let Some(d) = &mut a.geburtsdatum {
                    *d = d.to_year();
                }
            }
        }
        Transformation::AddressPostcodeMunicipality => {
            if let Some(a) = &mut p.anschrift.aktuell
                && !reduce_address(a)
            {
                p.anschrift.aktuell = None;
            }
            p.anschrift.fruehere.retain_mut(reduce_address);
        }
        Transformation::FirstNationality => p.grundpersonalien.staatsangehoerigkeiten.truncate(1),
    }
}
