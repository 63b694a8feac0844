//! The parsed, validated policy: offices, purposes, rules and their parts.

use std::fmt;

use crate::attribute::AttributeSet;
use crate::date::Datum;

/// An operation a rule can permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    /// Read one person's record.
    Read,
    /// Search by Grundpersonalien; candidates are disclosed.
    Search,
    /// Write (create or update) the attributes of the rule.
    Write,
    /// Receive the change feed.
    Changes,
    /// Anonymised statistics; no person data.
    Statistics,
    /// Read the audit journal (data-protection control); no person data.
    Audit,
}

impl Operation {
    /// All operations, in canonical order.
    pub const ALL: [Operation; 6] = [
        Operation::Read,
        Operation::Search,
        Operation::Write,
        Operation::Changes,
        Operation::Statistics,
        Operation::Audit,
    ];

    /// The name used in policy files and requests.
    pub fn as_str(&self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Search => "search",
            Operation::Write => "write",
            Operation::Changes => "changes",
            Operation::Statistics => "statistics",
            Operation::Audit => "audit",
        }
    }

    /// Parse the name used in policy files and requests.
    pub fn parse(s: &str) -> Option<Self> {
        Operation::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// Whether the operation discloses person data (read, search, changes).
    pub fn discloses_person_data(&self) -> bool {
        matches!(
            self,
            Operation::Read | Operation::Search | Operation::Changes
        )
    }

    /// Whether a rule for this operation names attributes (every operation
    /// except statistics and audit).
    pub fn has_attributes(&self) -> bool {
        !matches!(self, Operation::Statistics | Operation::Audit)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transformation applied to disclosed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transformation {
    /// Birth dates (also those of alias personal data) are reduced to the year.
    BirthDateYear,
    /// Addresses (current and former) are reduced to postcode and municipality.
    AddressPostcodeMunicipality,
    /// Only the first nationality is disclosed.
    FirstNationality,
}

impl Transformation {
    /// All transformations, in canonical order.
    pub const ALL: [Transformation; 3] = [
        Transformation::BirthDateYear,
        Transformation::AddressPostcodeMunicipality,
        Transformation::FirstNationality,
    ];

    /// The name used in policy files.
    pub fn as_str(&self) -> &'static str {
        match self {
            Transformation::BirthDateYear => "birth_date_year",
            Transformation::AddressPostcodeMunicipality => "address_postcode_municipality",
            Transformation::FirstNationality => "first_nationality",
        }
    }

    /// Parse the name used in policy files.
    pub fn parse(s: &str) -> Option<Self> {
        Transformation::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The catalogue attributes whose values the transformation changes.
    pub fn attributes(&self) -> &'static [&'static str] {
        match self {
            Transformation::BirthDateYear => &[
                "grundpersonalien.geburtsdatum",
                "weitere_personalien.aliaspersonalien",
            ],
            Transformation::AddressPostcodeMunicipality => {
                &["anschrift.aktuell", "anschrift.fruehere"]
            }
            Transformation::FirstNationality => &["grundpersonalien.staatsangehoerigkeiten"],
        }
    }

    /// The attributes of [`Transformation::attributes`] as a set.
    pub fn attribute_set(&self) -> AttributeSet {
        self.attributes()
            .iter()
            .filter_map(|n| AttributeSet::from_name(n))
            .fold(AttributeSet::empty(), AttributeSet::union)
    }
}

impl fmt::Display for Transformation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The legal basis of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalBasis {
    /// Law, e.g. `AZRG`.
    pub law: String,
    /// Section, e.g. `§ 18a`.
    pub section: String,
    /// Citation text (what the provision allows, in words).
    pub citation: String,
}

impl LegalBasis {
    /// Short form: section and law, e.g. `§ 18a AZRG` ([`short_citation`]).
    pub fn short(&self) -> String {
        short_citation(&self.section, &self.law)
    }
}

/// The one text form of a legal basis: section, then law (`§ 14 Abs. 1
/// AZRG`), as in audit records, explanations and `docs/audit-format.md`.
pub fn short_citation(section: &str, law: &str) -> String {
    format!("{section} {law}")
}

impl fmt::Display for LegalBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.short())
    }
}

/// Unit of a retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetentionUnit {
    /// Days.
    Days,
    /// Months.
    Months,
    /// Years.
    Years,
}

/// How long the recipient may keep received data (DSGVO Art. 30 Abs. 1 lit. f).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Retention {
    /// Number of units; 0 means "delete at once after use".
    pub amount: u32,
    /// Unit.
    pub unit: RetentionUnit,
}

impl Retention {
    /// Parse `"<n> day(s)|month(s)|year(s)"`.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split_whitespace();
        let (Some(n), Some(u), None) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        if n.is_empty() || n.len() > 4 || !n.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let amount: u32 = n.parse().ok()?;
        let unit = match u {
            "day" | "days" => RetentionUnit::Days,
            "month" | "months" => RetentionUnit::Months,
            "year" | "years" => RetentionUnit::Years,
            _ => return None,
        };
        Some(Retention { amount, unit })
    }

    /// ISO 8601 duration form (`P6M`, `P10Y`, `P0D`), used in the canonical form.
    pub fn iso8601(&self) -> String {
        let u = match self.unit {
            RetentionUnit::Days => 'D',
            RetentionUnit::Months => 'M',
            RetentionUnit::Years => 'Y',
        };
        format!("P{}{}", self.amount, u)
    }
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (one, many) = match self.unit {
            RetentionUnit::Days => ("day", "days"),
            RetentionUnit::Months => ("month", "months"),
            RetentionUnit::Years => ("year", "years"),
        };
        write!(
            f,
            "{} {}",
            self.amount,
            if self.amount == 1 { one } else { many }
        )
    }
}

/// A recipient office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    /// Stable id used in rules and requests, e.g. `wohnungsamt`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// DVDV-style identifier `<Präfix>:<Kennung>`, e.g. `wbs:05315000`.
    pub dvdv_id: String,
    /// The client-certificate identity (subject common name) that maps to
    /// this office.
    pub cert_identity: String,
}

/// A purpose code: an XAusländer Abrufzweck or one declared in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purpose {
    /// Code, e.g. `61` or `W01`.
    pub code: String,
    /// Name.
    pub name: String,
    /// Whether the code comes from the built-in Abrufzweck table (else it
    /// was declared in the policy file).
    pub builtin: bool,
}

/// A rule of a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Stable rule id, cited in decisions and audit records.
    pub id: String,
    /// Free description.
    pub description: String,
    /// Recipient office ids, sorted.
    pub offices: Vec<String>,
    /// Operations, in canonical order.
    pub operations: Vec<Operation>,
    /// Permitted purpose codes, sorted.
    pub purposes: Vec<String>,
    /// Legal basis.
    pub legal_basis: LegalBasis,
    /// Permitted attributes (groups expanded).
    pub attributes: AttributeSet,
    /// Transformations, in canonical order.
    pub transformations: Vec<Transformation>,
    /// Whether a request must carry a case reference (Geschäftszeichen).
    pub case_reference_required: bool,
    /// Retention period of the received data.
    pub retention: Option<Retention>,
    /// Free note on retention (e.g. the event that starts the period).
    pub retention_note: String,
    /// Explicit precedence, if given (higher wins among overlapping rules).
    pub precedence: Option<i64>,
    /// Line of the rule in the source file.
    pub line: usize,
}

impl Rule {
    /// Effective precedence (0 when not given).
    pub fn effective_precedence(&self) -> i64 {
        self.precedence.unwrap_or(0)
    }

    pub(crate) fn grant_eq(&self, other: &Rule) -> bool {
        self.attributes == other.attributes
            && self.transformations == other.transformations
            && self.case_reference_required == other.case_reference_required
    }
}

/// Validity period of a policy (both ends inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// First day of validity.
    pub from: Datum,
    /// Last day of validity, if limited.
    pub until: Option<Datum>,
}

impl Validity {
    /// Whether `day` lies within the period.
    pub fn contains(&self, day: Datum) -> bool {
        day >= self.from && self.until.is_none_or(|u| day <= u)
    }
}

/// The Abrufzweck codes (XAusländer code list
/// `urn:de:xauslaender:codelist:azr:abrufzweck`) the engine knows without a
/// declaration in the policy file.
pub const ABRUFZWECK: &[(&str, &str)] = &[
    ("25", "Aufgaben nach SGB II/III"),
    ("26", "Gesundheitsuntersuchungen"),
    ("27", "Öffentlicher Gesundheitsdienst"),
    ("28", "Aufgaben nach SGB VIII"),
    ("61", "Aufgaben nach SGB II/XII"),
    ("62", "Leistungen nach dem Asylbewerberleistungsgesetz"),
    ("70", "Migration und Integration"),
];

/// URI of the Abrufzweck code list.
pub const ABRUFZWECK_URI: &str = "urn:de:xauslaender:codelist:azr:abrufzweck";

/// The prefixes of the DVDV prefix code list
/// (`urn:xoev-de:bund:bmi:bit:codeliste:dvdv.praefix`, version 51).
pub const DVDV_PRAEFIXE: &[&str] = &[
    "ag", "ags", "aik", "alp", "ane", "art", "asb", "asy", "azr", "bab", "bap", "bet", "bgs",
    "bnd", "bqa", "bqp", "bta", "btg", "bth", "btk", "bto", "btw", "bty", "bza", "dbs", "dmb",
    "dsc", "eap", "ebb", "egs", "ehp", "eid", "eip", "ent", "fap", "feb", "fep", "fib", "fin",
    "fsp", "fss", "gaa", "gab", "gba", "ghb", "gka", "gru", "gsb", "gst", "hwk", "hza", "iga",
    "ihk", "jab", "jga", "kat", "kka", "kop", "kos", "lap", "las", "lfu", "lic", "lvb", "mad",
    "mbp", "MELDID", "mrh", "omp", "opt", "ora", "pab", "pap", "pbp", "pbs", "pdb", "pdl", "pfg",
    "pin", "psb", "psw", "rel", "sap", "sbb", "sfd", "soa", "sop", "sps", "stb", "stk", "svb",
    "töj", "tpg", "ubb", "ufb", "unb", "upo", "usv", "uvs", "uwp", "vbe", "vma", "vps", "vsb",
    "wab", "wap", "wbs", "wgb", "wgp", "whp", "wku", "wrb", "xga", "zfd", "zla", "zlp", "bwb",
    "asl",
];
