//! Code values (XÖV code elements) and code lists.
//!
//! Built in: the DESTATIS list "Staatsangehörigkeit" version 2024-08-01 and
//! the XInneres list "Geschlecht" version 1. A newer published version of
//! the nationality list can be loaded from its genericode file at run time
//! ([`genericode::parse`]) and installed with [`install_staatsangehoerigkeit`];
//! validation and the XML codec then use it.
//!
//! Country codes (Geburtsland, issuing state, state of direct entry) use the
//! same DESTATIS key as nationalities: the nationality list contains every
//! state of the DESTATIS state list plus former states (a person may be born
//! in a state that no longer exists) and the substitute values 997-999.

use std::fmt;
use std::sync::{Arc, OnceLock, RwLock};

use crate::de::serde_as_validated_str;
use crate::error::ValidationKind;

mod destatis;
pub mod genericode;

/// List URI of the DESTATIS nationality list.
pub const STAATSANGEHOERIGKEIT_URI: &str =
    "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit";
/// Built-in version of the DESTATIS nationality list.
pub const STAATSANGEHOERIGKEIT_VERSION: &str = "2024-08-01";
/// List URI of the XInneres gender list.
pub const GESCHLECHT_URI: &str = "urn:xoev-de:xinneres:codeliste:geschlecht";
/// Version of the XInneres gender list.
pub const GESCHLECHT_VERSION: &str = "1";

/// One entry of a code list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeEntry {
    /// The code.
    pub code: String,
    /// The name (for nationalities: the nationality adjective, e.g. "syrisch").
    pub name: String,
    /// A second name column where the list has one (for nationalities: the
    /// short state name, e.g. "Arabische Republik Syrien").
    pub name2: Option<String>,
}

/// A code list: URI, version and entries sorted by code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeList {
    /// Canonical list URI (`listURI` in XÖV code elements).
    pub uri: String,
    /// Version (`listVersionID`).
    pub version: String,
    /// Entries, sorted by code.
    pub entries: Vec<CodeEntry>,
}

impl CodeList {
    /// The entry for `code`, if present.
    pub fn get(&self, code: &str) -> Option<&CodeEntry> {
        self.entries
            .binary_search_by(|e| e.code.as_str().cmp(code))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Whether `code` is in the list.
    pub fn contains(&self, code: &str) -> bool {
        self.get(code).is_some()
    }
}

fn builtin_nationalities() -> &'static Arc<CodeList> {
    static LIST: OnceLock<Arc<CodeList>> = OnceLock::new();
    LIST.get_or_init(|| {
        let mut entries: Vec<CodeEntry> = destatis::STAATSANGEHOERIGKEIT_2024_08_01
            .iter()
            .map(|(code, adj, name, _)| CodeEntry {
                code: (*code).to_string(),
                name: (*adj).to_string(),
                name2: Some((*name).to_string()),
            })
            .collect();
        entries.sort_by(|a, b| a.code.cmp(&b.code));
        Arc::new(CodeList {
            uri: STAATSANGEHOERIGKEIT_URI.to_string(),
            version: STAATSANGEHOERIGKEIT_VERSION.to_string(),
            entries,
        })
    })
}

fn active() -> &'static RwLock<Arc<CodeList>> {
    static ACTIVE: OnceLock<RwLock<Arc<CodeList>>> = OnceLock::new();
    ACTIVE.get_or_init(|| RwLock::new(builtin_nationalities().clone()))
}

/// The built-in DESTATIS nationality list, version 2024-08-01.
pub fn builtin_staatsangehoerigkeit() -> Arc<CodeList> {
    builtin_nationalities().clone()
}

/// The nationality list in use by this process (built in unless replaced).
pub fn staatsangehoerigkeit_list() -> Arc<CodeList> {
    match active().read() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

/// Replace the nationality list used for validation and XML output, for
/// the whole process. Returns an error if `list` has another URI or no
/// entries. Records already decoded keep their codes.
pub fn install_staatsangehoerigkeit(list: CodeList) -> crate::Result<()> {
    if list.uri != STAATSANGEHOERIGKEIT_URI {
        return Err(crate::Error::CodeList {
            source_name: list.uri.clone(),
            message: format!("expected list URI {STAATSANGEHOERIGKEIT_URI}"),
        });
    }
    if list.entries.is_empty() {
        return Err(crate::Error::CodeList {
            source_name: list.uri.clone(),
            message: "the list has no entries".into(),
        });
    }
    let mut list = list;
    list.entries.sort_by(|a, b| a.code.cmp(&b.code));
    let mut g = match active().write() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    };
    *g = Arc::new(list);
    Ok(())
}

/// Gender (XInneres code list `geschlecht`, version 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Geschlecht {
    /// `m`: männlich.
    Maennlich,
    /// `w`: weiblich.
    Weiblich,
    /// `x`: keine Angabe / unbekannt.
    KeineAngabe,
    /// `d`: divers.
    Divers,
}

impl Geschlecht {
    /// All values in list order.
    pub const ALL: [Geschlecht; 4] = [
        Geschlecht::Maennlich,
        Geschlecht::Weiblich,
        Geschlecht::KeineAngabe,
        Geschlecht::Divers,
    ];

    /// The code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Geschlecht::Maennlich => "m",
            Geschlecht::Weiblich => "w",
            Geschlecht::KeineAngabe => "x",
            Geschlecht::Divers => "d",
        }
    }

    /// The description as published in the list.
    pub fn beschreibung(&self) -> &'static str {
        match self {
            Geschlecht::Maennlich => "männlich",
            Geschlecht::Weiblich => "weiblich",
            Geschlecht::KeineAngabe => "keine Angabe",
            Geschlecht::Divers => "divers",
        }
    }

    /// Parse a code.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        Ok(match s {
            "m" => Geschlecht::Maennlich,
            "w" => Geschlecht::Weiblich,
            "x" => Geschlecht::KeineAngabe,
            "d" => Geschlecht::Divers,
            _ => {
                return Err(ValidationKind::UnknownCode {
                    list: GESCHLECHT_URI.to_string(),
                    code: truncate_code(s),
                });
            }
        })
    }
}

serde_as_validated_str!(Geschlecht);

/// A code is not personal data, but input can be anything: keep quoted
/// codes in messages short.
fn truncate_code(s: &str) -> String {
    s.chars().take(16).collect()
}

/// A DESTATIS code (3 digits) for a nationality or a state, checked against
/// the nationality list in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Staatsangehoerigkeit([u8; 3]);

impl Staatsangehoerigkeit {
    /// Parse and check a code.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        let b = s.as_bytes();
        if b.len() != 3
            || !b.iter().all(u8::is_ascii_digit)
            || !staatsangehoerigkeit_list().contains(s)
        {
            return Err(ValidationKind::UnknownCode {
                list: STAATSANGEHOERIGKEIT_URI.to_string(),
                code: truncate_code(s),
            });
        }
        Ok(Staatsangehoerigkeit([b[0], b[1], b[2]]))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The nationality adjective from the list in use (e.g. "syrisch").
    pub fn name(&self) -> Option<String> {
        staatsangehoerigkeit_list()
            .get(self.as_str())
            .map(|e| e.name.clone())
    }
}

impl fmt::Display for Staatsangehoerigkeit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

serde_as_validated_str!(Staatsangehoerigkeit);

/// Short, well-known codes used across the crate and its tests.
pub mod staat {
    /// deutsch / Deutschland.
    pub const DEUTSCHLAND: &str = "000";
    /// staatenlos.
    pub const STAATENLOS: &str = "997";
    /// ungeklärt.
    pub const UNGEKLAERT: &str = "998";
    /// ohne Angabe.
    pub const OHNE_ANGABE: &str = "999";
}

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $what:literal, { $($(#[$vm:meta])* $v:ident = $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            /// All values.
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The URI of the code list (XÖV `listURI`).
            pub const LIST_URI: &'static str = $what;
            /// The code.
            pub fn as_str(&self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }
            /// Parse a code.
            pub fn parse(s: &str) -> Result<Self, ValidationKind> {
                match s {
                    $($code => Ok($name::$v),)+
                    _ => Err(ValidationKind::UnknownCode { list: Self::LIST_URI.to_string(), code: truncate_code(s) }),
                }
            }
        }

        serde_as_validated_str!($name);
    };
}

code_enum!(
    /// Familienstand (codes of the XInneres list `familienstand`).
    Familienstand, "urn:xoev-de:xinneres:codeliste:familienstand", {
    /// ledig
    Ledig = "LD",
    /// verheiratet
    Verheiratet = "VH",
    /// verwitwet
    Verwitwet = "VW",
    /// geschieden
    Geschieden = "GS",
    /// Ehe aufgehoben
    EheAufgehoben = "EA",
    /// in eingetragener Lebenspartnerschaft
    Lebenspartnerschaft = "LP",
    /// Lebenspartner verstorben
    LebenspartnerVerstorben = "LV",
    /// Lebenspartnerschaft aufgehoben
    LebenspartnerschaftAufgehoben = "LA",
    /// Lebenspartnerschaft durch Todeserklärung aufgehoben
    LebenspartnerschaftTodeserklaerung = "LE",
    /// nicht bekannt
    NichtBekannt = "NB",
});

code_enum!(
    /// Residence status (Aufenthaltsstatus), FLDM code list.
    Aufenthaltsstatus, "urn:fldm:codeliste:aufenthaltsstatus", {
    /// Ankunftsnachweis (§ 63a AsylG)
    Ankunftsnachweis = "ankunftsnachweis",
    /// Aufenthaltsgestattung (§ 55 AsylG)
    Aufenthaltsgestattung = "aufenthaltsgestattung",
    /// Duldung (§ 60a AufenthG)
    Duldung = "duldung",
    /// Aufenthaltserlaubnis (§ 7 AufenthG)
    Aufenthaltserlaubnis = "aufenthaltserlaubnis",
    /// Aufenthaltserlaubnis for temporary protection (§ 24 AufenthG)
    VoruebergehenderSchutz = "schutz_24",
    /// Niederlassungserlaubnis (§ 9 AufenthG)
    Niederlassungserlaubnis = "niederlassungserlaubnis",
    /// Erlaubnis zum Daueraufenthalt-EU (§ 9a AufenthG)
    DaueraufenthaltEu = "daueraufenthalt_eu",
    /// Fiktionsbescheinigung (§ 81 AufenthG)
    Fiktionsbescheinigung = "fiktionsbescheinigung",
    /// Visum
    Visum = "visum",
    /// no residence title
    Ohne = "ohne",
});

code_enum!(
    /// Kind of identity document, FLDM code list.
    Dokumentart, "urn:fldm:codeliste:dokumentart", {
    /// Reisepass
    Reisepass = "reisepass",
    /// Personalausweis / national identity card
    Personalausweis = "personalausweis",
    /// Passersatz
    Passersatz = "passersatz",
    /// Geburtsurkunde
    Geburtsurkunde = "geburtsurkunde",
    /// Heiratsurkunde
    Heiratsurkunde = "heiratsurkunde",
    /// Führerschein
    Fuehrerschein = "fuehrerschein",
    /// other document
    Sonstiges = "sonstiges",
});

code_enum!(
    /// Relationship of an accompanying family member, FLDM code list.
    Beziehung, "urn:fldm:codeliste:beziehung", {
    /// spouse or partner
    Ehegatte = "ehegatte",
    /// child
    Kind = "kind",
    /// parent
    Elternteil = "elternteil",
    /// sibling
    Geschwister = "geschwister",
    /// other relative
    Sonstige = "sonstige",
});

code_enum!(
    /// Language level (Common European Framework of Reference), or native.
    Sprachniveau, "urn:fldm:codeliste:sprachniveau", {
    /// A1
    A1 = "A1",
    /// A2
    A2 = "A2",
    /// B1
    B1 = "B1",
    /// B2
    B2 = "B2",
    /// C1
    C1 = "C1",
    /// C2
    C2 = "C2",
    /// Muttersprache
    Muttersprache = "muttersprache",
});

code_enum!(
    /// German Land (first two digits of the Amtlicher Gemeindeschlüssel).
    Bundesland, "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:bundesland", {
    /// Schleswig-Holstein
    SchleswigHolstein = "01",
    /// Hamburg
    Hamburg = "02",
    /// Niedersachsen
    Niedersachsen = "03",
    /// Bremen
    Bremen = "04",
    /// Nordrhein-Westfalen
    NordrheinWestfalen = "05",
    /// Hessen
    Hessen = "06",
    /// Rheinland-Pfalz
    RheinlandPfalz = "07",
    /// Baden-Württemberg
    BadenWuerttemberg = "08",
    /// Bayern
    Bayern = "09",
    /// Saarland
    Saarland = "10",
    /// Berlin
    Berlin = "11",
    /// Brandenburg
    Brandenburg = "12",
    /// Mecklenburg-Vorpommern
    MecklenburgVorpommern = "13",
    /// Sachsen
    Sachsen = "14",
    /// Sachsen-Anhalt
    SachsenAnhalt = "15",
    /// Thüringen
    Thueringen = "16",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nationality_codes() {
        assert_eq!(
            Staatsangehoerigkeit::parse("475")
                .expect("Syria")
                .name()
                .as_deref(),
            Some("syrisch")
        );
        assert!(matches!(
            Staatsangehoerigkeit::parse("12345"),
            Err(ValidationKind::UnknownCode { .. })
        ));
        assert!(Staatsangehoerigkeit::parse("001").is_err());
        for c in [
            "000", "163", "166", "224", "423", "438", "439", "475", "997", "998", "999",
        ] {
            assert!(Staatsangehoerigkeit::parse(c).is_ok(), "{c}");
        }
    }

    #[test]
    fn gender_codes() {
        for g in Geschlecht::ALL {
            assert_eq!(Geschlecht::parse(g.as_str()), Ok(g));
        }
        assert!(Geschlecht::parse("u").is_err());
        assert!(Geschlecht::parse("M").is_err());
    }
}
