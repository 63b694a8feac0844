//! The life of a record in the hub: how the owning office's own key
//! identifies it in imports ([`OwnerKey`]), and why it is deleted
//! ([`DeletionReason`]).
//!
//! The owning office (in the reference policy the Ausländerbehörde) imports
//! its stock keyed by the AZR-Nummer, or by its Aktenzeichen for persons
//! without one; the hub keeps the FLDM id of a known key. Deletions name a
//! reason from [`DeletionReason`]; receivers of the change feed get a
//! tombstone with it (`docs/hub.md`, "Deletion and tombstones").

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{ValidationError, ValidationKind};
use crate::ids::{Aktenzeichen, AzrNummer};
use crate::record::Person;

/// The key by which the owning office identifies a record in its own
/// procedure: the AZR-Nummer where the person has one, else the
/// Aktenzeichen.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OwnerKey {
    /// The AZR-Nummer (unique across the hub).
    AzrNummer(AzrNummer),
    /// The owner's Aktenzeichen (unique per owning office).
    Aktenzeichen(Aktenzeichen),
}

impl OwnerKey {
    /// The key of a record: its AZR-Nummer, else its Aktenzeichen. A
    /// record with neither is a [`ValidationError`] naming `azr_nummer`
    /// (kind [`ValidationKind::Missing`]).
    pub fn of(person: &Person) -> Result<OwnerKey, ValidationError> {
        if let Some(azr) = person.azr_nummer {
            return Ok(OwnerKey::AzrNummer(azr));
        }
        if let Some(az) = &person.aktenzeichen {
            return Ok(OwnerKey::Aktenzeichen(az.clone()));
        }
        Err(ValidationError::new("azr_nummer", ValidationKind::Missing))
    }

    /// The attribute name of the key (`azr_nummer` or `aktenzeichen`), the
    /// field path a refusal names.
    pub fn field(&self) -> &'static str {
        match self {
            OwnerKey::AzrNummer(_) => "azr_nummer",
            OwnerKey::Aktenzeichen(_) => "aktenzeichen",
        }
    }

    /// The key's value as text.
    pub fn as_str(&self) -> &str {
        match self {
            OwnerKey::AzrNummer(a) => a.as_str(),
            OwnerKey::Aktenzeichen(a) => a.as_str(),
        }
    }
}

/// Why a record was deleted. The codes are stable; they appear in the
/// protocol, the change feed's tombstones, the audit journal and the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeletionReason {
    /// `frist`: a deletion deadline of the policy was reached
    /// (`fldm hub expire`).
    Frist,
    /// `wegzug`: the person moved away; another authority is competent.
    Wegzug,
    /// `einbuergerung`: naturalisation (AZRG § 36 Abs. 1: delete at once).
    Einbuergerung,
    /// `tod`: the person died.
    Tod,
    /// `ausreise`: the person left the country.
    Ausreise,
    /// `doppelerfassung`: a duplicate record, merged into another one.
    Doppelerfassung,
    /// `berichtigung`: the record was wrong and is removed as a correction.
    Berichtigung,
    /// `abgang`: the record left the owner's stock (no longer in its
    /// full-stock import).
    Abgang,
    /// `sonstiges`: another reason, documented in the owner's file.
    Sonstiges,
}

impl DeletionReason {
    /// Every reason, in the documented order.
    pub const ALL: [DeletionReason; 9] = [
        DeletionReason::Frist,
        DeletionReason::Wegzug,
        DeletionReason::Einbuergerung,
        DeletionReason::Tod,
        DeletionReason::Ausreise,
        DeletionReason::Doppelerfassung,
        DeletionReason::Berichtigung,
        DeletionReason::Abgang,
        DeletionReason::Sonstiges,
    ];

    /// The code, e.g. `frist`.
    pub fn as_str(&self) -> &'static str {
        self.describe().0
    }

    /// A short English description of the reason.
    pub fn description(&self) -> &'static str {
        self.describe().1
    }

    fn describe(&self) -> (&'static str, &'static str) {
        match self {
            DeletionReason::Frist => ("frist", "a deletion deadline was reached"),
            DeletionReason::Wegzug => ("wegzug", "moved away; another authority is competent"),
            DeletionReason::Einbuergerung => ("einbuergerung", "naturalisation"),
            DeletionReason::Tod => ("tod", "death"),
            DeletionReason::Ausreise => ("ausreise", "departure from Germany"),
            DeletionReason::Doppelerfassung => {
                ("doppelerfassung", "duplicate record, merged into another")
            }
            DeletionReason::Berichtigung => ("berichtigung", "removed as a correction"),
            DeletionReason::Abgang => ("abgang", "no longer in the owner's stock"),
            DeletionReason::Sonstiges => ("sonstiges", "another documented reason"),
        }
    }

    /// The reason with this code.
    pub fn parse(code: &str) -> Option<DeletionReason> {
        DeletionReason::ALL.into_iter().find(|r| r.as_str() == code)
    }

    /// Like [`DeletionReason::parse`], as a [`ValidationError`] naming
    /// `field` when the code is unknown.
    pub fn parse_field(field: &str, code: &str) -> Result<DeletionReason, ValidationError> {
        DeletionReason::parse(code).ok_or_else(|| {
            ValidationError::new(
                field,
                ValidationKind::Format {
                    expected: "a deletion reason: frist, wegzug, einbuergerung, tod, ausreise, \
                               doppelerfassung, berichtigung, abgang or sonstiges",
                },
            )
        })
    }
}

impl fmt::Display for DeletionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DeletionReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DeletionReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        DeletionReason::parse_field("reason", &s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::FldmId;

    #[test]
    fn reason_codes_round_trip() {
        for r in DeletionReason::ALL {
            assert_eq!(DeletionReason::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).expect("serialise");
            assert_eq!(json, format!("\"{}\"", r.as_str()));
            let back: DeletionReason = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, r);
        }
        assert_eq!(DeletionReason::parse("Frist"), None);
        let e = DeletionReason::parse_field("reason", "weg").expect_err("unknown");
        assert_eq!(e.field, "reason");
        assert!(serde_json::from_str::<DeletionReason>("\"weg\"").is_err());
    }

    #[test]
    fn owner_key_prefers_the_azr_nummer() {
        let mut p = Person::new(FldmId::parse("P1").expect("id"));
        let e = OwnerKey::of(&p).expect_err("no key");
        assert_eq!(e.field, "azr_nummer");
        p.aktenzeichen = Some(Aktenzeichen::parse("ABH-1/26").expect("az"));
        assert_eq!(OwnerKey::of(&p).expect("key").field(), "aktenzeichen");
        p.azr_nummer = Some(AzrNummer::parse("230517000123").expect("azr"));
        let k = OwnerKey::of(&p).expect("key");
        assert_eq!((k.field(), k.as_str()), ("azr_nummer", "230517000123"));
    }
}
