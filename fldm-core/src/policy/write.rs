//! Which writes a permit allows: the checks the hub runs before it creates
//! a record, updates one, takes an address write-back or a correction.
//! They live here, beside [`Permit::apply`], so that every caller of the
//! policy draws the same line.

use std::fmt;

use super::decision::Permit;
use crate::attribute::AttributeSet;
use crate::record::Person;

/// Why a write falls outside the permit that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteRefusal {
    /// The rule does not cover all Grundpersonalien, so it cannot record
    /// new persons.
    CreateNotPermitted {
        /// Id of the deciding rule.
        rule_id: String,
    },
    /// The write concerns attributes outside the rule.
    AttributesNotPermitted(AttributeSet),
    /// A correction names attributes the reporting office does not receive.
    CorrectionNotPermitted(AttributeSet),
}

impl WriteRefusal {
    /// The machine reason code (the `reason` of a `policy_denied` problem
    /// and of the audit record).
    pub fn code(&self) -> &'static str {
        match self {
            WriteRefusal::CreateNotPermitted { .. } => "create_not_permitted",
            WriteRefusal::AttributesNotPermitted(_) | WriteRefusal::CorrectionNotPermitted(_) => {
                "attributes_not_permitted"
            }
        }
    }
}

impl fmt::Display for WriteRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteRefusal::CreateNotPermitted { rule_id } => write!(
                f,
                "rule {rule_id} does not permit recording persons (it does not cover the Grundpersonalien)"
            ),
            WriteRefusal::AttributesNotPermitted(set) => write!(
                f,
                "the write rule does not permit these attributes: {}",
                set.names().join(", ")
            ),
            WriteRefusal::CorrectionNotPermitted(set) => write!(
                f,
                "corrections can only concern attributes the office receives: {}",
                set.names().join(", ")
            ),
        }
    }
}

impl std::error::Error for WriteRefusal {}

/// The attributes of `set` outside `allowed`.
fn outside(set: AttributeSet, allowed: AttributeSet) -> AttributeSet {
    AttributeSet::from_bits(set.bits() & !allowed.bits())
}

impl Permit {
    /// Whether this (write) permit may record new persons at all: its rule
    /// must cover all Grundpersonalien (in the reference policy only the
    /// owning office's does). The new record itself is then checked with
    /// [`Permit::check_update`].
    pub fn check_create(&self) -> Result<(), WriteRefusal> {
        let gp = AttributeSet::from_name("grundpersonalien").unwrap_or_default();
        if gp.is_subset(&self.attributes()) {
            Ok(())
        } else {
            Err(WriteRefusal::CreateNotPermitted {
                rule_id: self.rule_id().to_string(),
            })
        }
    }

    /// A partial record `patch` under this (write) permit: every attribute
    /// it carries must be permitted.
    pub fn check_update(&self, patch: &Person) -> Result<(), WriteRefusal> {
        let extra = self.unpermitted(patch);
        if extra.is_empty() {
            Ok(())
        } else {
            Err(WriteRefusal::AttributesNotPermitted(extra))
        }
    }

    /// An address write-back under this (write) permit: the rule must
    /// permit `anschrift.aktuell`. Returns that attribute set.
    pub fn check_address_write(&self) -> Result<AttributeSet, WriteRefusal> {
        let set = AttributeSet::from_name("anschrift.aktuell").unwrap_or_default();
        if set.is_empty() || !set.is_subset(&self.attributes()) {
            return Err(WriteRefusal::AttributesNotPermitted(set));
        }
        Ok(set)
    }

    /// A correction of `attributes` reported under this (read) permit: an
    /// office can only report attributes it receives.
    pub fn check_correction(&self, attributes: AttributeSet) -> Result<(), WriteRefusal> {
        let extra = outside(attributes, self.attributes());
        if extra.is_empty() {
            Ok(())
        } else {
            Err(WriteRefusal::CorrectionNotPermitted(extra))
        }
    }
}
