//! Dates: full calendar dates and the partial dates of XInneres
//! (`TeilbekanntesDatum`).
//!
//! JSON form: `"2001-05-17"` (full), `"2001-05"` (year and month), `"2001"`
//! (year only), `"unbekannt"` (unknown). XML form: one of the elements
//! `jahrMonatTag`, `jahrMonat`, `jahr`, `unbekannt`.

use std::fmt;

use crate::de::serde_as_validated_str;
use crate::error::ValidationKind;

/// Earliest year accepted in any date.
pub const MIN_YEAR: u16 = 1800;
/// Latest year accepted in any date.
pub const MAX_YEAR: u16 = 2200;

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `s` as a number of exactly `width` ASCII digits: `format` if it is not
/// one, [`ValidationKind::ImpossibleDate`] if it lies outside `range`.
fn fixed_digits(
    s: &str,
    width: usize,
    range: std::ops::RangeInclusive<u32>,
    format: ValidationKind,
) -> Result<u32, ValidationKind> {
    let n = match digits(s) {
        Some(n) if s.len() == width => n,
        _ => return Err(format),
    };
    if !range.contains(&n) {
        return Err(ValidationKind::ImpossibleDate);
    }
    Ok(n)
}

fn year(s: &str) -> Result<u16, ValidationKind> {
    let format = ValidationKind::Format {
        expected: "YYYY, YYYY-MM, YYYY-MM-DD or unbekannt",
    };
    let range = u32::from(MIN_YEAR)..=u32::from(MAX_YEAR);
    // Four digits and the range keep the value within u16.
    fixed_digits(s, 4, range, format).map(|y| y as u16)
}

fn month(s: &str) -> Result<u8, ValidationKind> {
    let format = ValidationKind::Format {
        expected: "YYYY-MM with a two-digit month",
    };
    fixed_digits(s, 2, 1..=12, format).map(|m| m as u8)
}

/// A full calendar date (`YYYY-MM-DD`), years 1800 to 2200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Datum {
    year: u16,
    month: u8,
    day: u8,
    text: [u8; 10],
}

impl Datum {
    /// A date from its parts, checked.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, ValidationKind> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
        {
            return Err(ValidationKind::ImpossibleDate);
        }
        // Checked above: a four-digit year, two-digit month and day.
        let d = |v: u16, div: u16| b'0' + (v / div % 10) as u8;
        let (m, t) = (u16::from(month), u16::from(day));
        let text = [
            d(year, 1000),
            d(year, 100),
            d(year, 10),
            d(year, 1),
            b'-',
            d(m, 10),
            d(m, 1),
            b'-',
            d(t, 10),
            d(t, 1),
        ];
        Ok(Datum {
            year,
            month,
            day,
            text,
        })
    }

    /// Parse `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        const F: ValidationKind = ValidationKind::Format {
            expected: "YYYY-MM-DD",
        };
        let mut parts = s.split('-');
        let (Some(y), Some(m), Some(d), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(F);
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(F);
        }
        let (Some(y), Some(m), Some(d)) = (digits(y), digits(m), digits(d)) else {
            return Err(F);
        };
        let y = u16::try_from(y).map_err(|_| F)?;
        Datum::new(y, m as u8, d as u8)
    }

    /// Year.
    pub fn year(&self) -> u16 {
        self.year
    }
    /// Month (1-12).
    pub fn month(&self) -> u8 {
        self.month
    }
    /// Day of month.
    pub fn day(&self) -> u8 {
        self.day
    }
    /// `YYYY-MM-DD`.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.text).unwrap_or("")
    }
}

impl fmt::Display for Datum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

serde_as_validated_str!(Datum);

/// A partially known date (XInneres `TeilbekanntesDatum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TeilbekanntesDatum {
    /// Day, month and year known.
    JahrMonatTag(Datum),
    /// Year and month known.
    JahrMonat {
        /// The year.
        jahr: u16,
        /// The month (1-12).
        monat: u8,
    },
    /// Only the year known.
    Jahr(u16),
    /// Nothing known.
    Unbekannt,
}

impl TeilbekanntesDatum {
    /// The JSON text of the unknown date.
    pub const UNBEKANNT: &'static str = "unbekannt";

    /// Parse one of `YYYY-MM-DD`, `YYYY-MM`, `YYYY`, `unbekannt`.
    pub fn parse(s: &str) -> Result<Self, ValidationKind> {
        if s == Self::UNBEKANNT {
            return Ok(TeilbekanntesDatum::Unbekannt);
        }
        match s.len() {
            10 => Datum::parse(s).map(TeilbekanntesDatum::JahrMonatTag),
            7 if s.as_bytes()[4] == b'-' => Ok(TeilbekanntesDatum::JahrMonat {
                jahr: year(&s[..4])?,
                monat: month(&s[5..])?,
            }),
            4 => Ok(TeilbekanntesDatum::Jahr(year(s)?)),
            _ => Err(ValidationKind::Format {
                expected: "YYYY, YYYY-MM, YYYY-MM-DD or unbekannt",
            }),
        }
    }

    /// Year and month, checked.
    pub fn jahr_monat(jahr: u16, monat: u8) -> Result<Self, ValidationKind> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&jahr) || !(1..=12).contains(&monat) {
            return Err(ValidationKind::ImpossibleDate);
        }
        Ok(TeilbekanntesDatum::JahrMonat { jahr, monat })
    }

    /// Year only, checked.
    pub fn jahr(jahr: u16) -> Result<Self, ValidationKind> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&jahr) {
            return Err(ValidationKind::ImpossibleDate);
        }
        Ok(TeilbekanntesDatum::Jahr(jahr))
    }

    /// The year, if known.
    pub fn year(&self) -> Option<u16> {
        match self {
            TeilbekanntesDatum::JahrMonatTag(d) => Some(d.year()),
            TeilbekanntesDatum::JahrMonat { jahr, .. } | TeilbekanntesDatum::Jahr(jahr) => {
                Some(*jahr)
            }
            TeilbekanntesDatum::Unbekannt => None,
        }
    }

    /// Reduce to the year (a policy transformation); unknown stays unknown.
    #[must_use]
    pub fn to_year(&self) -> Self {
        match self.year() {
            Some(y) => TeilbekanntesDatum::Jahr(y),
            None => TeilbekanntesDatum::Unbekannt,
        }
    }

    /// Whether this is the common placeholder 1 January (registered when only
    /// the year was known).
    pub fn is_placeholder_01_01(&self) -> bool {
        matches!(self, TeilbekanntesDatum::JahrMonatTag(d) if d.month() == 1 && d.day() == 1)
    }

    /// The JSON text form.
    pub fn to_text(&self) -> String {
        match self {
            TeilbekanntesDatum::JahrMonatTag(d) => d.as_str().to_string(),
            TeilbekanntesDatum::JahrMonat { jahr, monat } => format!("{jahr:04}-{monat:02}"),
            TeilbekanntesDatum::Jahr(j) => format!("{j:04}"),
            TeilbekanntesDatum::Unbekannt => Self::UNBEKANNT.to_string(),
        }
    }
}

impl fmt::Display for TeilbekanntesDatum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl serde::Serialize for TeilbekanntesDatum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl<'de> serde::Deserialize<'de> for TeilbekanntesDatum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TeilbekanntesDatum;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a partial date string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                TeilbekanntesDatum::parse(v).map_err(crate::de::invalid)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(Datum::parse("2024-02-29").is_ok());
        // 30 February, 29 February of 1900 (no leap year), month 13.
        for s in ["2023-02-30", "1900-02-29", "2023-13-01"] {
            assert_eq!(Datum::parse(s), Err(ValidationKind::ImpossibleDate), "{s}");
        }
        for s in ["2023-2-3", "+023-02-03"] {
            assert!(
                matches!(Datum::parse(s), Err(ValidationKind::Format { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn partial_dates() {
        for s in ["1990-05-17", "1990-05", "1990", "unbekannt"] {
            assert_eq!(TeilbekanntesDatum::parse(s).expect(s).to_text(), s);
        }
        assert_eq!(
            TeilbekanntesDatum::parse("1990-13"),
            Err(ValidationKind::ImpossibleDate)
        );
        assert!(TeilbekanntesDatum::parse("199").is_err());
        assert!(TeilbekanntesDatum::parse("1990-05-17T00:00").is_err());
        let d = TeilbekanntesDatum::parse("1990-01-01").expect("ok");
        assert!(d.is_placeholder_01_01());
        assert_eq!(d.to_year().to_text(), "1990");
    }
}
