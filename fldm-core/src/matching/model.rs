//! The comparison levels of the scoring model and their m/u probabilities.
//!
//! Each comparison (family name, given names, birth date, gender,
//! nationality) falls into exactly one level per record pair. A level has
//! an m-probability (how often a true match shows this level) and a
//! u-probability (how often two different persons show it); its weight is
//! the log2 Bayes factor `log2(m / u)`. Weights of the comparisons add up
//! (Fellegi-Sunter; the Splink formulation). A comparison with a value
//! missing on either side has weight 0.

use std::fmt::Write as _;

use super::names::NameLevel;
use crate::codes::{Geschlecht, Staatsangehoerigkeit, staat};
use crate::date::TeilbekanntesDatum;

/// One level of one comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComparisonLevel {
    /// The comparison (a field name of the record).
    pub comparison: &'static str,
    /// The level, in words.
    pub level: &'static str,
    /// P(level | same person).
    pub m: f64,
    /// P(level | different persons).
    pub u: f64,
}

impl ComparisonLevel {
    /// The log2 Bayes factor `log2(m / u)`.
    pub fn weight(&self) -> f64 {
        (self.m / self.u).log2()
    }
}

const fn level(comparison: &'static str, level: &'static str, m: f64, u: f64) -> ComparisonLevel {
    ComparisonLevel {
        comparison,
        level,
        m,
        u,
    }
}

/// The levels of a name comparison, in [`NameLevel`] order.
const NAME_LEVELS: [&str; 5] = [
    "exact (search form)",
    "Jaro-Winkler >= 0.92",
    "same Kölner Phonetik code (also after transcription folding)",
    "a name part in common",
    "different",
];

/// The levels of the name comparison `comparison` with their `(m, u)`, in
/// [`NameLevel`] order.
const fn name_levels(comparison: &'static str, mu: [(f64, f64); 5]) -> [ComparisonLevel; 5] {
    let l = NAME_LEVELS;
    [
        level(comparison, l[0], mu[0].0, mu[0].1),
        level(comparison, l[1], mu[1].0, mu[1].1),
        level(comparison, l[2], mu[2].0, mu[2].1),
        level(comparison, l[3], mu[3].0, mu[3].1),
        level(comparison, l[4], mu[4].0, mu[4].1),
    ]
}

/// Family name levels, in [`NameLevel`] order.
pub(crate) const FAMILIENNAME: [ComparisonLevel; 5] = name_levels(
    "familienname",
    [
        (0.70, 0.003),
        (0.12, 0.004),
        (0.07, 0.008),
        (0.07, 0.025),
        (0.04, 0.960),
    ],
);

/// Given name levels, in [`NameLevel`] order.
pub(crate) const VORNAMEN: [ComparisonLevel; 5] = name_levels(
    "vornamen",
    [
        (0.65, 0.012),
        (0.12, 0.010),
        (0.10, 0.020),
        (0.11, 0.050),
        (0.02, 0.908),
    ],
);

/// Birth date levels, in the order of [`DateLevel::weight`].
pub(crate) const GEBURTSDATUM: [ComparisonLevel; 6] = [
    level("geburtsdatum", "exact full date", 0.70, 0.0002),
    level(
        "geburtsdatum",
        "one typing error: day and month transposed, or the year off by one with day and month equal",
        0.05,
        0.0004,
    ),
    level("geburtsdatum", "same year and month", 0.05, 0.0025),
    level(
        "geburtsdatum",
        "same year (also placeholder 01.01. against any date of that year)",
        0.12,
        0.035,
    ),
    level("geburtsdatum", "adjacent year", 0.05, 0.065),
    level("geburtsdatum", "different", 0.03, 0.8969),
];

/// Gender levels: same, different.
pub(crate) const GESCHLECHT: [ComparisonLevel; 2] = [
    level("geschlecht", "same", 0.96, 0.50),
    level("geschlecht", "different (m against w)", 0.04, 0.50),
];

/// Nationality levels: in common, none in common.
pub(crate) const STAATSANGEHOERIGKEIT: [ComparisonLevel; 2] = [
    level("staatsangehoerigkeit", "at least one in common", 0.93, 0.20),
    level("staatsangehoerigkeit", "none in common", 0.07, 0.80),
];

/// Weight taken off each name level (Exact, Similar, Phonetic) when family
/// name and given names match crosswise: their m-probability is taken as
/// half that of the direct level.
pub const SWAP_PENALTY: f64 = 1.0;

/// All levels of the model, for documentation and inspection.
pub fn comparison_levels() -> impl Iterator<Item = &'static ComparisonLevel> {
    FAMILIENNAME
        .iter()
        .chain(VORNAMEN.iter())
        .chain(GEBURTSDATUM.iter())
        .chain(GESCHLECHT.iter())
        .chain(STAATSANGEHOERIGKEIT.iter())
}

/// The weights table as Markdown (used in `docs/matching.md`).
pub fn weights_markdown() -> String {
    let mut s = String::from(
        "| comparison | level | m | u | weight (log2 m/u) |\n|---|---|---:|---:|---:|\n",
    );
    for l in comparison_levels() {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {:+.2} |",
            l.comparison,
            l.level,
            l.m,
            l.u,
            l.weight()
        );
    }
    s
}

pub(crate) fn family_weight(l: NameLevel) -> f64 {
    FAMILIENNAME[l as usize].weight()
}

pub(crate) fn given_weight(l: NameLevel) -> f64 {
    VORNAMEN[l as usize].weight()
}

/// How two birth dates agree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateLevel {
    Exact,
    Transposed,
    YearOffByOne,
    YearMonth,
    Year,
    YearPlaceholder,
    AdjacentYear,
    Different,
}

impl DateLevel {
    pub(crate) fn weight(self) -> f64 {
        let i = match self {
            DateLevel::Exact => 0,
            DateLevel::Transposed | DateLevel::YearOffByOne => 1,
            DateLevel::YearMonth => 2,
            DateLevel::Year | DateLevel::YearPlaceholder => 3,
            DateLevel::AdjacentYear => 4,
            DateLevel::Different => 5,
        };
        GEBURTSDATUM[i].weight()
    }

    pub(crate) fn label(self) -> Option<&'static str> {
        Some(match self {
            DateLevel::Exact => "geburtsdatum: exact",
            DateLevel::Transposed => "geburtsdatum: day and month transposed",
            DateLevel::YearOffByOne => "geburtsdatum: same day and month, year off by one",
            DateLevel::YearMonth => "geburtsdatum: same year and month",
            DateLevel::Year => "geburtsdatum: same year",
            DateLevel::YearPlaceholder => "geburtsdatum: same year (placeholder 01.01.)",
            DateLevel::AdjacentYear => "geburtsdatum: adjacent year",
            DateLevel::Different => return None,
        })
    }
}

/// A date reduced to what is known; 01.01. counts as year only.
#[derive(Clone, Copy)]
enum Known {
    Full(u16, u8, u8),
    YearMonth(u16, u8),
    Year(u16, bool),
}

fn known(d: &TeilbekanntesDatum) -> Option<Known> {
    Some(match d {
        TeilbekanntesDatum::JahrMonatTag(x) if x.month() == 1 && x.day() == 1 => {
            Known::Year(x.year(), true)
        }
        TeilbekanntesDatum::JahrMonatTag(x) => Known::Full(x.year(), x.month(), x.day()),
        TeilbekanntesDatum::JahrMonat { jahr, monat } => Known::YearMonth(*jahr, *monat),
        TeilbekanntesDatum::Jahr(j) => Known::Year(*j, false),
        TeilbekanntesDatum::Unbekannt => return None,
    })
}

/// Compare two birth dates; `None` when either is unknown (neutral).
pub(crate) fn compare_dates(a: &TeilbekanntesDatum, b: &TeilbekanntesDatum) -> Option<DateLevel> {
    let (a, b) = (known(a)?, known(b)?);
    let year = |k: Known| match k {
        Known::Full(y, ..) | Known::YearMonth(y, _) | Known::Year(y, _) => y,
    };
    let month = |k: Known| match k {
        Known::Full(_, m, _) | Known::YearMonth(_, m) => Some(m),
        Known::Year(..) => None,
    };
    let placeholder = matches!(a, Known::Year(_, true)) || matches!(b, Known::Year(_, true));
    let (ya, yb) = (year(a), year(b));
    Some(if ya == yb {
        match (a, b) {
            (Known::Full(_, m1, d1), Known::Full(_, m2, d2)) if m1 == m2 && d1 == d2 => {
                DateLevel::Exact
            }
            (Known::Full(_, m1, d1), Known::Full(_, m2, d2)) if m1 == d2 && d1 == m2 => {
                DateLevel::Transposed
            }
            _ if month(a).is_some() && month(a) == month(b) => DateLevel::YearMonth,
            _ if placeholder => DateLevel::YearPlaceholder,
            _ => DateLevel::Year,
        }
    } else if ya.abs_diff(yb) == 1 {
        match (a, b) {
            (Known::Full(_, m1, d1), Known::Full(_, m2, d2)) if m1 == m2 && d1 == d2 => {
                DateLevel::YearOffByOne
            }
            _ => DateLevel::AdjacentYear,
        }
    } else {
        DateLevel::Different
    })
}

/// Compare genders: `Some(true)` same, `Some(false)` m against w, `None`
/// neutral (missing, "keine Angabe", or divers against m/w).
pub(crate) fn compare_gender(a: Geschlecht, b: Geschlecht) -> Option<bool> {
    use Geschlecht::{Divers, Maennlich, Weiblich};
    match (a, b) {
        (Maennlich, Maennlich) | (Weiblich, Weiblich) | (Divers, Divers) => Some(true),
        (Maennlich, Weiblich) | (Weiblich, Maennlich) => Some(false),
        _ => None,
    }
}

/// Whether a nationality code says something ("ungeklärt" and "ohne
/// Angabe" do not).
fn informative(s: &Staatsangehoerigkeit) -> bool {
    !matches!(s.as_str(), staat::UNGEKLAERT | staat::OHNE_ANGABE)
}

/// Compare one nationality with a list: `None` when either says nothing.
pub(crate) fn compare_nationality(
    q: &Staatsangehoerigkeit,
    list: &[Staatsangehoerigkeit],
) -> Option<bool> {
    if !informative(q) {
        return None;
    }
    let mut any = false;
    for s in list.iter().filter(|s| informative(s)) {
        if s == q {
            return Some(true);
        }
        any = true;
    }
    any.then_some(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m_and_u_are_distributions() {
        for table in [
            &FAMILIENNAME[..],
            &VORNAMEN[..],
            &GEBURTSDATUM[..],
            &GESCHLECHT[..],
            &STAATSANGEHOERIGKEIT[..],
        ] {
            let m: f64 = table.iter().map(|l| l.m).sum();
            let u: f64 = table.iter().map(|l| l.u).sum();
            assert!(
                (m - 1.0).abs() < 1e-9,
                "{}: m sums to {m}",
                table[0].comparison
            );
            assert!(
                (u - 1.0).abs() < 1e-9,
                "{}: u sums to {u}",
                table[0].comparison
            );
            // Weights fall with the level.
            assert!(table.windows(2).all(|w| w[0].weight() > w[1].weight()));
        }
    }
}
