//! The catalogue of disclosable attributes.
//!
//! Every attribute of the Kerndatensatz that can be disclosed has a stable
//! dotted name (`grundpersonalien.familienname`), a group (the first part of
//! the name, e.g. `grundpersonalien`) and its legal source in AZRG § 3.
//! Policies name attributes and groups from this catalogue; [`project`]
//! copies exactly the attributes of an [`AttributeSet`] from a record. The
//! FLDM id is not an attribute: every disclosure carries it.
//!
//! The table in `docs/attributes.md` is produced by [`markdown_table`] and a
//! test keeps it in step with this catalogue.

use std::fmt;

use crate::error::{ValidationError, ValidationKind};
use crate::record::Person;

/// One disclosable attribute.
#[derive(Clone, Copy)]
pub struct Attribute {
    /// Stable dotted name.
    pub name: &'static str,
    /// Group (first part of the name).
    pub group: &'static str,
    /// Legal source (AZRG paragraph and number).
    pub source: &'static str,
    /// Short description in English.
    pub description: &'static str,
    copy: fn(&Person, &mut Person),
    present: fn(&Person) -> bool,
}

impl fmt::Debug for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("group", &self.group)
            .field("source", &self.source)
            .finish()
    }
}

macro_rules! attr {
    ($name:literal, $group:literal, $source:expr, $desc:literal, |$p:ident| $($path:ident).+ , option) => {
        Attribute {
            name: $name,
            group: $group,
            source: $source,
            description: $desc,
            copy: |from, to| to.$($path).+ = from.$($path).+.clone(),
            present: |$p| $p.$($path).+.is_some(),
        }
    };
    ($name:literal, $group:literal, $source:expr, $desc:literal, |$p:ident| $($path:ident).+ , list) => {
        Attribute {
            name: $name,
            group: $group,
            source: $source,
            description: $desc,
            copy: |from, to| to.$($path).+ = from.$($path).+.clone(),
            present: |$p| !$p.$($path).+.is_empty(),
        }
    };
}

const NR4: &str = "AZRG § 3 Abs. 1 Nr. 4";
const NR5: &str = "AZRG § 3 Abs. 1 Nr. 5";
const NR6: &str = "AZRG § 3 Abs. 1 Nr. 6";
const ABS2: &str = "AZRG § 3 Abs. 2";
const ABS3: &str = "AZRG § 3 Abs. 3";

/// The catalogue, in a fixed order (the order of [`AttributeSet`] bits).
pub static CATALOGUE: &[Attribute] = &[
    attr!(
        "azr_nummer",
        "identifikation",
        "AZRG § 3 Abs. 1 Nr. 2",
        "AZR-Nummer",
        |p| azr_nummer,
        option
    ),
    attr!(
        "grundpersonalien.familienname",
        "grundpersonalien",
        NR4,
        "Familienname",
        |p| grundpersonalien.familienname,
        option
    ),
    attr!(
        "grundpersonalien.geburtsname",
        "grundpersonalien",
        NR4,
        "Geburtsname",
        |p| grundpersonalien.geburtsname,
        option
    ),
    attr!(
        "grundpersonalien.vornamen",
        "grundpersonalien",
        NR4,
        "Vornamen",
        |p| grundpersonalien.vornamen,
        option
    ),
    attr!(
        "grundpersonalien.familienname_nach_deutschem_recht",
        "grundpersonalien",
        NR4,
        "Familienname nach deutschem Recht",
        |p| grundpersonalien.familienname_nach_deutschem_recht,
        option
    ),
    attr!(
        "grundpersonalien.geburtsdatum",
        "grundpersonalien",
        NR4,
        "Geburtsdatum (partial date)",
        |p| grundpersonalien.geburtsdatum,
        option
    ),
    attr!(
        "grundpersonalien.geburtsort",
        "grundpersonalien",
        NR4,
        "Geburtsort",
        |p| grundpersonalien.geburtsort,
        option
    ),
    attr!(
        "grundpersonalien.geburtsland",
        "grundpersonalien",
        NR4,
        "Geburtsland",
        |p| grundpersonalien.geburtsland,
        option
    ),
    attr!(
        "grundpersonalien.geburtsbezirk",
        "grundpersonalien",
        NR4,
        "Geburtsbezirk",
        |p| grundpersonalien.geburtsbezirk,
        option
    ),
    attr!(
        "grundpersonalien.geschlecht",
        "grundpersonalien",
        NR4,
        "Geschlechtsangabe",
        |p| grundpersonalien.geschlecht,
        option
    ),
    attr!(
        "grundpersonalien.doktorgrad",
        "grundpersonalien",
        NR4,
        "Doktorgrad",
        |p| grundpersonalien.doktorgrad,
        option
    ),
    attr!(
        "grundpersonalien.staatsangehoerigkeiten",
        "grundpersonalien",
        NR4,
        "Staatsangehörigkeiten (1 to 4)",
        |p| grundpersonalien.staatsangehoerigkeiten,
        list
    ),
    attr!(
        "weitere_personalien.andere_schreibweisen",
        "weitere_personalien",
        NR5,
        "other spellings of the name",
        |p| weitere_personalien.andere_schreibweisen,
        list
    ),
    attr!(
        "weitere_personalien.fruehere_namen",
        "weitere_personalien",
        NR5,
        "other and former names",
        |p| weitere_personalien.fruehere_namen,
        list
    ),
    attr!(
        "weitere_personalien.aliaspersonalien",
        "weitere_personalien",
        NR5,
        "alias personal data",
        |p| weitere_personalien.aliaspersonalien,
        list
    ),
    attr!(
        "weitere_personalien.familienstand",
        "weitere_personalien",
        NR5,
        "Familienstand",
        |p| weitere_personalien.familienstand,
        option
    ),
    attr!(
        "weitere_personalien.identitaetsdokumente",
        "weitere_personalien",
        NR5,
        "identity documents",
        |p| weitere_personalien.identitaetsdokumente,
        list
    ),
    attr!(
        "weitere_personalien.religion",
        "weitere_personalien",
        NR5,
        "religion (voluntary)",
        |p| weitere_personalien.religion,
        option
    ),
    attr!(
        "anschrift.aktuell",
        "anschrift",
        "AZRG § 3 Abs. 1 Nr. 5c",
        "current address in Germany with move-in date",
        |p| anschrift.aktuell,
        option
    ),
    attr!(
        "anschrift.fruehere",
        "anschrift",
        "AZRG § 3 Abs. 1 Nr. 5d",
        "former addresses with move-out date",
        |p| anschrift.fruehere,
        list
    ),
    attr!(
        "aufenthalt.einreisedatum",
        "aufenthalt",
        NR6,
        "date of arrival",
        |p| aufenthalt.einreisedatum,
        option
    ),
    attr!(
        "aufenthalt.ausreisedatum",
        "aufenthalt",
        NR6,
        "date of departure",
        |p| aufenthalt.ausreisedatum,
        option
    ),
    attr!(
        "aufenthalt.aufenthaltsstatus",
        "aufenthalt",
        NR6,
        "residence status",
        |p| aufenthalt.aufenthaltsstatus,
        option
    ),
    attr!(
        "aufenthalt.sterbedatum",
        "aufenthalt",
        NR6,
        "date of death",
        |p| aufenthalt.sterbedatum,
        option
    ),
    attr!(
        "asyl.familienangehoerige",
        "asyl",
        ABS2,
        "accompanying family members",
        |p| asyl.familienangehoerige,
        list
    ),
    attr!(
        "asyl.staat_direkte_einreise",
        "asyl",
        ABS2,
        "state of direct entry",
        |p| asyl.staat_direkte_einreise,
        option
    ),
    attr!(
        "asyl.zustaendigkeit",
        "asyl",
        ABS2,
        "responsible Land, reception centre, foreigners' authority, youth office",
        |p| asyl.zustaendigkeit,
        option
    ),
    attr!(
        "asyl.kontakt",
        "asyl",
        ABS2,
        "voluntary telephone and e-mail",
        |p| asyl.kontakt,
        option
    ),
    attr!(
        "asyl.gesundheitsuntersuchung",
        "asyl",
        ABS2,
        "health examination, medical clearance for shared housing",
        |p| asyl.gesundheitsuntersuchung,
        option
    ),
    attr!(
        "asyl.impfungen",
        "asyl",
        ABS2,
        "vaccinations (type, place, date)",
        |p| asyl.impfungen,
        list
    ),
    attr!(
        "integration.schulbildung",
        "integration",
        ABS3,
        "school education",
        |p| integration.schulbildung,
        option
    ),
    attr!(
        "integration.studium",
        "integration",
        ABS3,
        "university studies",
        |p| integration.studium,
        option
    ),
    attr!(
        "integration.berufsausbildung",
        "integration",
        ABS3,
        "vocational training",
        |p| integration.berufsausbildung,
        option
    ),
    attr!(
        "integration.beruf",
        "integration",
        ABS3,
        "profession",
        |p| integration.beruf,
        option
    ),
    attr!(
        "integration.sprachkenntnisse",
        "integration",
        ABS3,
        "language skills",
        |p| integration.sprachkenntnisse,
        list
    ),
    attr!(
        "integration.berufsbezogene_deutschsprachfoerderung",
        "integration",
        ABS3,
        "participation in job-related German courses",
        |p| integration.berufsbezogene_deutschsprachfoerderung,
        option
    ),
    // Appended last: stored attribute sets are bit sets in catalogue order.
    attr!(
        "aktenzeichen",
        "aktenzeichen",
        "AZRG § 3 Abs. 1 Nr. 1",
        "Aktenzeichen of the owning office (its file reference)",
        |p| aktenzeichen,
        option
    ),
];

/// The groups, in catalogue order.
pub fn groups() -> Vec<&'static str> {
    let mut g: Vec<&'static str> = Vec::new();
    for a in CATALOGUE {
        if !g.contains(&a.group) {
            g.push(a.group);
        }
    }
    g
}

/// The attribute named `name`, with its index.
pub fn lookup(name: &str) -> Option<(usize, &'static Attribute)> {
    CATALOGUE.iter().enumerate().find(|(_, a)| a.name == name)
}

/// A set of catalogue attributes (a bit set over [`CATALOGUE`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AttributeSet(u64);

const _: () = assert!(CATALOGUE.len() <= 64);

impl AttributeSet {
    /// The empty set.
    pub const fn empty() -> Self {
        AttributeSet(0)
    }

    /// Every attribute of the catalogue.
    pub fn all() -> Self {
        AttributeSet(if CATALOGUE.len() == 64 {
            u64::MAX
        } else {
            (1u64 << CATALOGUE.len()) - 1
        })
    }

    /// The set of the given attribute and group names. Unknown names are an
    /// error naming the entry (`field` is used as the path prefix).
    pub fn from_names<S: AsRef<str>>(field: &str, names: &[S]) -> Result<Self, ValidationError> {
        let mut set = AttributeSet::empty();
        for (i, n) in names.iter().enumerate() {
            let n = n.as_ref();
            set = set.union(Self::from_name(n).ok_or_else(|| {
                ValidationError::new(
                    format!("{field}[{i}]"),
                    ValidationKind::Other(format!("unknown attribute or group {n:?}")),
                )
            })?);
        }
        Ok(set)
    }

    /// The set named by one attribute or group name, if it exists.
    pub fn from_name(name: &str) -> Option<Self> {
        if let Some((i, _)) = lookup(name) {
            return Some(AttributeSet(1 << i));
        }
        let mut set = AttributeSet::empty();
        for (i, a) in CATALOGUE.iter().enumerate() {
            if a.group == name {
                set.0 |= 1 << i;
            }
        }
        (!set.is_empty()).then_some(set)
    }

    /// Add the attribute with catalogue index `i`.
    pub fn insert(&mut self, i: usize) {
        if i < CATALOGUE.len() {
            self.0 |= 1 << i;
        }
    }

    /// Whether the attribute with catalogue index `i` is in the set.
    pub fn contains_index(&self, i: usize) -> bool {
        i < 64 && self.0 & (1 << i) != 0
    }

    /// Whether the attribute named `name` is in the set.
    pub fn contains(&self, name: &str) -> bool {
        lookup(name).is_some_and(|(i, _)| self.contains_index(i))
    }

    /// Union.
    #[must_use]
    pub fn union(self, other: Self) -> Self {
        AttributeSet(self.0 | other.0)
    }

    /// Intersection.
    #[must_use]
    pub fn intersection(self, other: Self) -> Self {
        AttributeSet(self.0 & other.0)
    }

    /// Whether every attribute of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.0 & !other.0 == 0
    }

    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    /// The attributes, in catalogue order.
    pub fn iter(&self) -> impl Iterator<Item = &'static Attribute> + '_ {
        CATALOGUE
            .iter()
            .enumerate()
            .filter(|(i, _)| self.contains_index(*i))
            .map(|(_, a)| a)
    }

    /// The attribute names, in catalogue order.
    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(|a| a.name).collect()
    }

    /// The raw bits (catalogue order), for compact storage.
    pub fn bits(&self) -> u64 {
        self.0
    }

    /// From raw bits; bits beyond the catalogue are dropped.
    pub fn from_bits(bits: u64) -> Self {
        AttributeSet(bits & AttributeSet::all().0)
    }
}

impl fmt::Debug for AttributeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.names()).finish()
    }
}

/// Copy exactly the attributes of `set` from `person` (plus the FLDM id).
pub fn project(person: &Person, set: AttributeSet) -> Person {
    let mut out = Person::new(person.fldm_id.clone());
    for (i, a) in CATALOGUE.iter().enumerate() {
        if set.contains_index(i) {
            (a.copy)(person, &mut out);
        }
    }
    out
}

/// The attributes that have a value in `person`.
pub fn present(person: &Person) -> AttributeSet {
    let mut set = AttributeSet::empty();
    for (i, a) in CATALOGUE.iter().enumerate() {
        if (a.present)(person) {
            set.insert(i);
        }
    }
    set
}

/// The catalogue as a Markdown table (the body of `docs/attributes.md`).
pub fn markdown_table() -> String {
    let mut s =
        String::from("| attribute | group | legal source | description |\n|---|---|---|---|\n");
    for a in CATALOGUE {
        s.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            a.name, a.group, a.source, a.description
        ));
    }
    s
}

/// Copy exactly the attributes of `set` from `from` into `into`; an
/// attribute of `set` that `from` lacks is removed from `into`. Attributes
/// outside `set` and the FLDM id of `into` are left as they are. This is how
/// a write by an office changes only the attributes it may write.
pub fn merge(into: &mut Person, from: &Person, set: AttributeSet) {
    for (i, a) in CATALOGUE.iter().enumerate() {
        if set.contains_index(i) {
            (a.copy)(from, into);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::FldmId;
    use crate::record::NamePart;

    #[test]
    fn names_are_unique_and_grouped() {
        for (i, a) in CATALOGUE.iter().enumerate() {
            assert_eq!(lookup(a.name).map(|(j, _)| j), Some(i));
            assert!(
                a.name == a.group
                    || a.name.starts_with(&format!("{}.", a.group))
                    || a.group == "identifikation"
            );
        }
        let g = AttributeSet::from_name("grundpersonalien").expect("group");
        assert_eq!(g.len(), 11);
        assert!(AttributeSet::from_name("grundpersonalien.unsinn").is_none());
        let e = AttributeSet::from_names("rule.attributes", &["anschrift", "nope"])
            .expect_err("must fail");
        assert_eq!(e.field, "rule.attributes[1]");
    }

    #[test]
    fn project_copies_exactly() {
        let mut p = Person::new(FldmId::parse("P1").expect("id"));
        p.grundpersonalien.familienname = Some(NamePart::parse("Haddad").expect("name"));
        p.grundpersonalien.vornamen = Some(NamePart::NichtVorhanden);
        p.grundpersonalien.geburtsort = Some(crate::record::Text::parse("Aleppo").expect("ort"));
        let set = AttributeSet::from_names(
            "x",
            &["grundpersonalien.familienname", "grundpersonalien.vornamen"],
        )
        .expect("set");
        let d = project(&p, set);
        assert_eq!(present(&d), set);
        assert_eq!(d.grundpersonalien.geburtsort, None);
        assert_eq!(d.fldm_id, p.fldm_id);
        assert_eq!(present(&p).len(), 3);
    }

    #[test]
    fn merge_copies_and_clears_exactly_the_set() {
        let mut stored = Person::new(FldmId::parse("P1").expect("id"));
        stored.grundpersonalien.familienname = Some(NamePart::parse("Haddad").expect("name"));
        stored.grundpersonalien.geburtsort =
            Some(crate::record::Text::parse("Aleppo").expect("ort"));
        let mut patch = Person::new(FldmId::parse("P2").expect("id"));
        patch.grundpersonalien.familienname = Some(NamePart::parse("Nasser").expect("name"));
        patch.grundpersonalien.vornamen = Some(NamePart::parse("Rana").expect("name"));
        let names = [
            "grundpersonalien.familienname",
            "grundpersonalien.geburtsort",
        ];
        let set = AttributeSet::from_names("x", &names).expect("set");
        merge(&mut stored, &patch, set);
        assert_eq!(stored.fldm_id.as_str(), "P1");
        let gp = &stored.grundpersonalien;
        assert_eq!(gp.familienname, patch.grundpersonalien.familienname);
        assert_eq!(gp.geburtsort, None, "absent in the patch, so removed");
        assert_eq!(gp.vornamen, None, "outside the set, so not copied");
    }
}
