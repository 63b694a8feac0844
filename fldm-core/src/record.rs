//! The Kerndatensatz: a person's core record as held by the hub (AZRG § 3).
//!
//! Every field except the FLDM id is optional, because the same type also
//! carries *disclosures*: a record projected to the attributes a recipient
//! may receive (see [`crate::attribute`]). Values are checked when they are
//! built or decoded (names in NFC and DIN 91379, codes against their lists,
//! dates on the calendar); [`Person::validate`] checks the list limits that
//! the types alone cannot.
//!
//! JSON field names are the snake_case German names used here; they are
//! stable and documented in `docs/record-format.md`.

use serde::{Deserialize, Serialize};

use crate::codes::{
    Aufenthaltsstatus, Beziehung, Bundesland, Dokumentart, Familienstand, Geschlecht, Sprachniveau,
    Staatsangehoerigkeit,
};
use crate::date::{Datum, TeilbekanntesDatum};
use crate::de::serde_as_validated_str;
use crate::error::{ValidationError, ValidationKind};
use crate::ids::{Aktenzeichen, AzrNummer, FldmId};
use crate::text::{self, MAX_NAME_CHARS, MAX_TEXT_CHARS, TextKind};

/// Most nationalities a person can have in the record (XInneres).
pub const MAX_STAATSANGEHOERIGKEITEN: usize = 4;
/// Most entries in any other list of a record (spellings, documents,
/// addresses, vaccinations, family members, languages).
pub const MAX_LIST_ENTRIES: usize = 50;

macro_rules! text_type {
    ($(#[$m:meta])* $name:ident, $kind:expr, $max:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Normalise to NFC and check.
            pub fn parse(s: &str) -> Result<Self, ValidationKind> {
                text::clean_kind(s, $kind, $max).map($name)
            }
            /// The text (NFC).
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        serde_as_validated_str!($name);
    };
}

text_type!(
    /// A name or name part (DIN 91379 data type A, at most 200 characters).
    Name,
    TextKind::Name,
    MAX_NAME_CHARS
);
text_type!(
    /// General text: places, streets, authorities, free text (at most 500
    /// characters, DIN 91379 letters plus digits and common punctuation).
    Text,
    TextKind::General,
    MAX_TEXT_CHARS
);

macro_rules! ascii_type {
    ($(#[$m:meta])* $name:ident, $expected:literal, $check:expr) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Check and wrap.
            pub fn parse(s: &str) -> Result<Self, ValidationKind> {
                let check: fn(&str) -> bool = $check;
                if let Some(position) = s.chars().position(char::is_control) {
                    return Err(ValidationKind::ControlCharacter { position });
                }
                if check(s) {
                    Ok($name(s.to_string()))
                } else {
                    Err(ValidationKind::Format { expected: $expected })
                }
            }
            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        serde_as_validated_str!($name);
    };
}

ascii_type!(
    /// German postcode: 5 digits.
    Postleitzahl,
    "5 digits",
    |s| s.len() == 5 && s.bytes().all(|b| b.is_ascii_digit())
);
ascii_type!(
    /// Telephone number: optional leading +, then digits, spaces, `/`, `-`; 3 to 30 characters.
    Telefon,
    "+, digits, spaces, / or -, 3 to 30 characters",
    |s| (3..=30).contains(&s.len())
        && s.bytes().enumerate().all(|(i, b)| b.is_ascii_digit()
            || matches!(b, b' ' | b'/' | b'-')
            || (i == 0 && b == b'+'))
        && s.bytes().any(|b| b.is_ascii_digit())
);
ascii_type!(
    /// E-mail address (ASCII, `local@domain`, at most 254 characters).
    Email,
    "an ASCII e-mail address local@domain of at most 254 characters",
    |s| s.len() <= 254
        && s.is_ascii()
        && !s.contains(char::is_whitespace)
        && matches!(s.split_once('@'), Some((l, d)) if !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.') && !d.contains('@'))
);
ascii_type!(
    /// Language code: ISO 639-1 or 639-3, lower case (`ar`, `prs`, `uk`).
    Sprache,
    "an ISO 639 code of 2 or 3 lower-case letters",
    |s| (2..=3).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_lowercase())
);
ascii_type!(
    /// Number of an identity document: 1 to 40 of `A-Z 0-9 -`.
    Dokumentnummer,
    "1 to 40 characters A-Z, 0-9 or -",
    |s| (1..=40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
);

/// A name part that is either a value or explicitly "nicht vorhanden"
/// (legitimately missing, e.g. persons without a family name).
///
/// JSON: a string, or `{"nicht_vorhanden": true}`.
/// XML: `<familienname><name>Müller</name></familienname>` or `<familienname><nichtVorhanden>true</nichtVorhanden></familienname>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NamePart {
    /// The name.
    Wert(Name),
    /// Legitimately missing.
    NichtVorhanden,
}

impl NamePart {
    /// A name part from text, checked.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        Name::parse(s).map(NamePart::Wert)
    }

    /// The name, if there is one.
    pub fn wert(&self) -> Option<&str> {
        match self {
            NamePart::Wert(n) => Some(n.as_str()),
            NamePart::NichtVorhanden => None,
        }
    }
}

impl Serialize for NamePart {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            NamePart::Wert(n) => s.serialize_str(n.as_str()),
            NamePart::NichtVorhanden => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("nicht_vorhanden", &true)?;
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for NamePart {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = NamePart;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(r#"a name string or {"nicht_vorhanden": true}"#)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NamePart, E> {
                NamePart::parse(v).map_err(crate::de::invalid)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<NamePart, A::Error> {
                let mut seen = false;
                while let Some(k) = m.next_key::<String>()? {
                    if k != "nicht_vorhanden" {
                        return Err(crate::de::invalid(ValidationKind::Format {
                            expected: r#"a name string or {"nicht_vorhanden": true}"#,
                        }));
                    }
                    if !m.next_value::<bool>()? {
                        return Err(crate::de::invalid(ValidationKind::Format {
                            expected: r#""nicht_vorhanden" must be true"#,
                        }));
                    }
                    seen = true;
                }
                if !seen {
                    return Err(crate::de::invalid(ValidationKind::Empty));
                }
                Ok(NamePart::NichtVorhanden)
            }
        }
        d.deserialize_any(V)
    }
}

/// Grundpersonalien (AZRG § 3 Abs. 1 Nr. 4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Grundpersonalien {
    /// Familienname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub familienname: Option<NamePart>,
    /// Geburtsname.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geburtsname: Option<NamePart>,
    /// Vornamen (all given names, space-separated, as in XInneres).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vornamen: Option<NamePart>,
    /// Familienname nach deutschem Recht.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub familienname_nach_deutschem_recht: Option<NamePart>,
    /// Geburtsdatum (partial date).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geburtsdatum: Option<TeilbekanntesDatum>,
    /// Geburtsort.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geburtsort: Option<Text>,
    /// Geburtsland (DESTATIS code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geburtsland: Option<Staatsangehoerigkeit>,
    /// Geburtsbezirk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geburtsbezirk: Option<Text>,
    /// Geschlechtsangabe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geschlecht: Option<Geschlecht>,
    /// Doktorgrad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doktorgrad: Option<Name>,
    /// Staatsangehörigkeiten: 1 to 4 DESTATIS codes; empty = not present.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub staatsangehoerigkeiten: Vec<Staatsangehoerigkeit>,
}

/// Another spelling, former name or similar name variant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Namensvariante {
    /// Familienname in this variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub familienname: Option<NamePart>,
    /// Vornamen in this variant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vornamen: Option<NamePart>,
}

/// Alias personal data (Aliaspersonalien).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Aliaspersonalie {
    /// Familienname used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub familienname: Option<NamePart>,
    /// Vornamen used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vornamen: Option<NamePart>,
    /// Birth date used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub geburtsdatum: Option<TeilbekanntesDatum>,
}

/// An identity document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identitaetsdokument {
    /// Kind of document.
    pub art: Dokumentart,
    /// Document number.
    pub nummer: Dokumentnummer,
    /// Issuing state (DESTATIS code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ausstellungsstaat: Option<Staatsangehoerigkeit>,
    /// Valid until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gueltig_bis: Option<Datum>,
}

/// Weitere Personalien (AZRG § 3 Abs. 1 Nr. 5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WeiterePersonalien {
    /// Other spellings of the name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub andere_schreibweisen: Vec<Namensvariante>,
    /// Other or former names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fruehere_namen: Vec<Namensvariante>,
    /// Alias personal data.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliaspersonalien: Vec<Aliaspersonalie>,
    /// Familienstand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub familienstand: Option<Familienstand>,
    /// Identity documents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identitaetsdokumente: Vec<Identitaetsdokument>,
    /// Religion (voluntary statement).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub religion: Option<Text>,
}

/// An address in Germany.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Anschrift {
    /// Street.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strasse: Option<Text>,
    /// House number (with letter suffix).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hausnummer: Option<Text>,
    /// Address supplement (c/o, building, room).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zusatz: Option<Text>,
    /// Postcode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postleitzahl: Option<Postleitzahl>,
    /// Municipality.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ort: Option<Text>,
    /// Move-in date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einzugsdatum: Option<Datum>,
    /// Move-out date (former addresses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auszugsdatum: Option<Datum>,
}

/// Current and former addresses (AZRG § 3 Abs. 1 Nr. 5c, 5d).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Anschriften {
    /// Current address with move-in date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aktuell: Option<Anschrift>,
    /// Former addresses with move-out date.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fruehere: Vec<Anschrift>,
}

/// Arrival, departure, residence status, death (AZRG § 3 Abs. 1 Nr. 6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Aufenthalt {
    /// Date of arrival (Einreise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub einreisedatum: Option<Datum>,
    /// Date of departure (Ausreise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ausreisedatum: Option<Datum>,
    /// Residence status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aufenthaltsstatus: Option<Aufenthaltsstatus>,
    /// Date of death.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sterbedatum: Option<Datum>,
}

/// An accompanying family member: a link to their record where known,
/// else their names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Familienangehoeriger {
    /// Relationship to the person.
    pub beziehung: Beziehung,
    /// FLDM id of the family member's own record, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fldm_id: Option<FldmId>,
    /// Familienname, where no record is linked (or in addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub familienname: Option<NamePart>,
    /// Vornamen, where no record is linked (or in addition).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vornamen: Option<NamePart>,
}

/// Responsible bodies (AZRG § 3 Abs. 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Zustaendigkeit {
    /// Responsible Land.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundesland: Option<Bundesland>,
    /// Reception centre (Aufnahmeeinrichtung).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aufnahmeeinrichtung: Option<Text>,
    /// Responsible foreigners' authority.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auslaenderbehoerde: Option<Text>,
    /// Responsible youth office (unaccompanied minors).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jugendamt: Option<Text>,
}

/// Voluntary contact data (AZRG § 3 Abs. 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Kontakt {
    /// Telephone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub telefon: Option<Telefon>,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
}

/// Health examination (§ 62 AsylG) and medical clearance for shared housing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gesundheitsuntersuchung {
    /// Date of the examination.
    pub datum: Datum,
    /// Place (body that examined).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ort: Option<Text>,
    /// Medical clearance for shared housing was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unbedenklich_fuer_gemeinschaftsunterkunft: Option<bool>,
}

/// A vaccination (type, place, date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impfung {
    /// Vaccine or disease vaccinated against.
    pub art: Text,
    /// Place of vaccination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ort: Option<Text>,
    /// Date of vaccination.
    pub datum: Datum,
}

/// Asylum-related data (AZRG § 3 Abs. 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Asyl {
    /// Accompanying family members.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub familienangehoerige: Vec<Familienangehoeriger>,
    /// State of direct entry (DESTATIS code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staat_direkte_einreise: Option<Staatsangehoerigkeit>,
    /// Responsible Land, reception centre, foreigners' authority, youth office.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zustaendigkeit: Option<Zustaendigkeit>,
    /// Voluntary telephone and e-mail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kontakt: Option<Kontakt>,
    /// Health examination and clearance for shared housing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gesundheitsuntersuchung: Option<Gesundheitsuntersuchung>,
    /// Vaccinations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub impfungen: Vec<Impfung>,
}

/// Knowledge of a language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sprachkenntnis {
    /// Language (ISO 639).
    pub sprache: Sprache,
    /// Level, if assessed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub niveau: Option<Sprachniveau>,
}

/// Integration data (AZRG § 3 Abs. 3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Integration {
    /// School education.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schulbildung: Option<Text>,
    /// University studies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub studium: Option<Text>,
    /// Vocational training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub berufsausbildung: Option<Text>,
    /// Profession.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub beruf: Option<Text>,
    /// Language skills.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sprachkenntnisse: Vec<Sprachkenntnis>,
    /// Participation in job-related German courses (§ 45a AufenthG).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub berufsbezogene_deutschsprachfoerderung: Option<bool>,
}

macro_rules! impl_is_empty {
    ($($t:ty),+) => {$(
        impl $t {
            /// Whether no field is set.
            pub fn is_empty(&self) -> bool {
                *self == <$t>::default()
            }
        }
    )+};
}
impl_is_empty!(
    Grundpersonalien,
    WeiterePersonalien,
    Anschriften,
    Aufenthalt,
    Asyl,
    Integration
);

/// A person's core record (Kerndatensatz), or a disclosure of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The hub's FLDM id; carried by every record and every disclosure.
    pub fldm_id: FldmId,
    /// AZR-Nummer (AZRG § 3 Abs. 1 Nr. 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azr_nummer: Option<AzrNummer>,
    /// The owning office's file reference (Aktenzeichen), its key for
    /// persons without an AZR-Nummer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aktenzeichen: Option<Aktenzeichen>,
    /// Grundpersonalien (§ 3 Abs. 1 Nr. 4).
    #[serde(default, skip_serializing_if = "Grundpersonalien::is_empty")]
    pub grundpersonalien: Grundpersonalien,
    /// Weitere Personalien (§ 3 Abs. 1 Nr. 5).
    #[serde(default, skip_serializing_if = "WeiterePersonalien::is_empty")]
    pub weitere_personalien: WeiterePersonalien,
    /// Addresses (§ 3 Abs. 1 Nr. 5c, 5d).
    #[serde(default, skip_serializing_if = "Anschriften::is_empty")]
    pub anschrift: Anschriften,
    /// Arrival, departure, status, death (§ 3 Abs. 1 Nr. 6).
    #[serde(default, skip_serializing_if = "Aufenthalt::is_empty")]
    pub aufenthalt: Aufenthalt,
    /// Asylum-related data (§ 3 Abs. 2).
    #[serde(default, skip_serializing_if = "Asyl::is_empty")]
    pub asyl: Asyl,
    /// Integration data (§ 3 Abs. 3).
    #[serde(default, skip_serializing_if = "Integration::is_empty")]
    pub integration: Integration,
}

fn check_count(field: &str, found: usize, max: usize) -> Result<(), ValidationError> {
    if found > max {
        return Err(ValidationError::new(
            field,
            ValidationKind::Count { min: 0, max, found },
        ));
    }
    Ok(())
}

impl Person {
    /// An empty record with only its FLDM id.
    pub fn new(fldm_id: FldmId) -> Self {
        Person {
            fldm_id,
            azr_nummer: None,
            aktenzeichen: None,
            grundpersonalien: Grundpersonalien::default(),
            weitere_personalien: WeiterePersonalien::default(),
            anschrift: Anschriften::default(),
            aufenthalt: Aufenthalt::default(),
            asyl: Asyl::default(),
            integration: Integration::default(),
        }
    }

    /// Check the limits that the value types cannot: 1 to 4 nationalities,
    /// at most [`MAX_LIST_ENTRIES`] entries in every other list, and that a
    /// family member names a record or a name.
    pub fn validate(&self) -> Result<(), ValidationError> {
        let n = self.grundpersonalien.staatsangehoerigkeiten.len();
        if n > MAX_STAATSANGEHOERIGKEITEN {
            return Err(ValidationError::new(
                "grundpersonalien.staatsangehoerigkeiten",
                ValidationKind::Count {
                    min: 1,
                    max: MAX_STAATSANGEHOERIGKEITEN,
                    found: n,
                },
            ));
        }
        let w = &self.weitere_personalien;
        check_count(
            "weitere_personalien.andere_schreibweisen",
            w.andere_schreibweisen.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "weitere_personalien.fruehere_namen",
            w.fruehere_namen.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "weitere_personalien.aliaspersonalien",
            w.aliaspersonalien.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "weitere_personalien.identitaetsdokumente",
            w.identitaetsdokumente.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "anschrift.fruehere",
            self.anschrift.fruehere.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "asyl.familienangehoerige",
            self.asyl.familienangehoerige.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "asyl.impfungen",
            self.asyl.impfungen.len(),
            MAX_LIST_ENTRIES,
        )?;
        check_count(
            "integration.sprachkenntnisse",
            self.integration.sprachkenntnisse.len(),
            MAX_LIST_ENTRIES,
        )?;
        for (i, f) in self.asyl.familienangehoerige.iter().enumerate() {
            if f.fldm_id.is_none() && f.familienname.is_none() && f.vornamen.is_none() {
                return Err(ValidationError::new(
                    format!("asyl.familienangehoerige[{i}]"),
                    ValidationKind::Other("a family member needs an fldm_id or a name".to_string()),
                ));
            }
        }
        Ok(())
    }
}
