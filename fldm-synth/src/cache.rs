//! Checked values built once from the static tables.

use std::collections::HashMap;
use std::sync::OnceLock;

use fldm_core::codes::Staatsangehoerigkeit;
use fldm_core::date::Datum;
use fldm_core::record::{Name, NamePart, Text};

use crate::days::{datum_uncached, jd};
use crate::names::{ORIGINS, OTHER_PLACES, SPELLING_GROUPS};
use crate::{REFERENCE, name_table, tables};

/// FNV-1a: a fast hash for the short, trusted keys of the tables.
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

pub(crate) type Map<V> = HashMap<&'static str, V, std::hash::BuildHasherDefault<Fnv>>;

/// First day of the date cache (1 January 1925) and its length in days.
pub(crate) const DATE_CACHE_START: (i32, u8, u8) = (1925, 1, 1);
pub(crate) const DATE_CACHE_DAYS: usize = 116 * 366;

/// Checked values built once from the static tables, so that records can
/// share them by cloning instead of normalising and checking every string.
pub(crate) struct Tables {
    pub(crate) reference: i32,
    pub(crate) date_base: i32,
    pub(crate) dates: Vec<Datum>,
    pub(crate) names: Map<Name>,
    pub(crate) texts: Map<Text>,
    pub(crate) codes: Map<Staatsangehoerigkeit>,
    pub(crate) groups: Map<usize>,
    pub(crate) streets: Vec<Text>,
    pub(crate) origin_weights: Vec<u32>,
}

pub(crate) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(Tables::build)
}

impl Tables {
    pub(crate) fn build() -> Tables {
        let mut names = Map::default();
        for s in name_table() {
            if let Ok(n) = Name::parse(s) {
                names.insert(s, n);
            }
        }
        let mut texts = Map::default();
        let mut add_text = |s: &'static str| {
            if let Ok(t) = Text::parse(s) {
                texts.insert(s, t);
            }
        };
        for o in ORIGINS {
            o.places
                .iter()
                .chain(o.districts)
                .chain(o.religions)
                .for_each(|s| add_text(s));
        }
        for (_, places) in OTHER_PLACES {
            places.iter().for_each(|s| add_text(s));
        }
        for (ort, _) in tables::FRUEHERE_ORTE {
            add_text(ort);
        }
        for (m, f) in tables::BERUFE {
            add_text(m);
            add_text(f);
        }
        tables::ZUSATZ
            .iter()
            .chain(tables::AUFNAHMEEINRICHTUNGEN)
            .chain(tables::AUSLAENDERBEHOERDEN)
            .chain(tables::JUGENDAEMTER)
            .chain(tables::GESUNDHEIT_ORTE)
            .chain(tables::IMPFUNGEN)
            .chain(tables::SCHULBILDUNG)
            .chain(tables::STUDIUM)
            .chain(tables::BERUFSAUSBILDUNG)
            .chain(std::iter::once(&tables::ORT))
            .for_each(|s| add_text(s));

        let mut codes = Map::default();
        let code_sources = ORIGINS
            .iter()
            .flat_map(|o| std::iter::once(o.code).chain(o.birth_countries.iter().map(|(c, _)| *c)))
            .chain(OTHER_PLACES.iter().map(|(c, _)| *c))
            .chain(tables::EINREISESTAATEN.iter().copied())
            .chain(tables::EINREISESTAATEN_UKR.iter().copied())
            .chain(["000", "997", "998"]);
        for c in code_sources {
            if let Ok(s) = Staatsangehoerigkeit::parse(c) {
                codes.insert(c, s);
            }
        }

        let mut groups = Map::default();
        for (i, g) in SPELLING_GROUPS.iter().enumerate() {
            for s in *g {
                groups.insert(*s, i);
            }
        }

        let mut streets = Vec::new();
        for stem in tables::STREET_STEMS {
            for suffix in tables::STREET_SUFFIXES {
                if let Ok(t) = Text::parse(&format!("{stem}{suffix}")) {
                    streets.push(t);
                }
            }
        }

        let date_base = jd(DATE_CACHE_START.0, DATE_CACHE_START.1, DATE_CACHE_START.2);
        let dates: Vec<Datum> = (0..DATE_CACHE_DAYS as i32)
            .map_while(|i| datum_uncached(date_base + i))
            .collect();

        Tables {
            reference: jd(REFERENCE.0, REFERENCE.1, REFERENCE.2),
            date_base,
            dates,
            names,
            texts,
            codes,
            groups,
            streets,
            origin_weights: ORIGINS.iter().map(|o| o.weight).collect(),
        }
    }

    pub(crate) fn name(&self, s: &str) -> Option<Name> {
        match self.names.get(s) {
            Some(n) => Some(n.clone()),
            None => Name::parse(s).ok(),
        }
    }

    pub(crate) fn part(&self, s: &str) -> Option<NamePart> {
        self.name(s).map(NamePart::Wert)
    }

    pub(crate) fn text(&self, s: &str) -> Option<Text> {
        match self.texts.get(s) {
            Some(t) => Some(t.clone()),
            None => Text::parse(s).ok(),
        }
    }

    pub(crate) fn code(&self, c: &str) -> Option<Staatsangehoerigkeit> {
        match self.codes.get(c) {
            Some(s) => Some(*s),
            None => Staatsangehoerigkeit::parse(c).ok(),
        }
    }

    pub(crate) fn group(&self, s: &str) -> Option<&'static [&'static str]> {
        self.groups
            .get(s)
            .and_then(|&g| SPELLING_GROUPS.get(g))
            .copied()
    }

    /// The spelling recorded in the main record: with probability
    /// `permille` (decided by `salt`) one of the plain (ASCII) spellings
    /// among the first six of the group, else the table's spelling.
    /// Regional forms and scholarly transliterations appear only as other
    /// spellings.
    pub(crate) fn spell(&self, s: &'static str, salt: u32, permille: u32) -> &'static str {
        if salt % 1000 >= permille {
            return s;
        }
        let Some(g) = self.group(s) else {
            return s;
        };
        let plain = || g.iter().take(6).filter(|x| x.is_ascii());
        let k = plain().count();
        if k == 0 {
            return s;
        }
        plain()
            .nth((salt / 1000) as usize % k)
            .copied()
            .unwrap_or(s)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::names::ORIGINS;
    use crate::tables;

    #[test]
    fn every_table_entry_is_a_valid_nfc_name_or_text() {
        for s in name_table() {
            let n = Name::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(n.as_str(), s, "not NFC: {s}");
        }
        let t = tables();
        for o in ORIGINS {
            assert!(
                !o.male.is_empty() && !o.female.is_empty() && !o.family.is_empty(),
                "{}",
                o.code
            );
            for (male, _) in o.family_female {
                assert!(o.family.contains(male), "{}: {male}", o.code);
            }
            for s in o.places.iter().chain(o.districts).chain(o.religions) {
                assert!(t.texts.contains_key(s), "{s}");
            }
            assert!(t.codes.contains_key(o.code), "{}", o.code);
            for (c, _) in o.birth_countries {
                assert!(t.codes.contains_key(c), "{c}");
            }
        }
        assert_eq!(
            t.streets.len(),
            tables::STREET_STEMS.len() * tables::STREET_SUFFIXES.len()
        );
    }

    #[test]
    fn no_spelling_in_two_groups() {
        let mut seen = HashMap::new();
        for (i, g) in SPELLING_GROUPS.iter().enumerate() {
            assert!(g.len() >= 2, "group {i} has one member");
            for s in *g {
                if let Some(j) = seen.insert(*s, i) {
                    panic!("{s} is in groups {j} and {i}");
                }
            }
        }
    }
}
