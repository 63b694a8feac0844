//! Days as Julian day numbers, converted to and from record dates.

use fldm_core::date::Datum;

use crate::cache::tables;

/// The Julian day number of a calendar date (0 if it does not exist).
pub(crate) fn jd(y: i32, m: u8, d: u8) -> i32 {
    time::Month::try_from(m)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
        .map(|d| d.to_julian_day())
        .unwrap_or(0)
}

pub(crate) fn ymd(jd: i32) -> Option<(i32, u8, u8)> {
    let d = time::Date::from_julian_day(jd).ok()?;
    Some((d.year(), u8::from(d.month()), d.day()))
}

pub(crate) fn datum(jd: i32) -> Option<Datum> {
    let t = tables();
    let cached = jd
        .checked_sub(t.date_base)
        .and_then(|i| usize::try_from(i).ok())
        .and_then(|i| t.dates.get(i));
    match cached {
        Some(d) => Some(*d),
        None => datum_uncached(jd),
    }
}

pub(crate) fn datum_uncached(jd: i32) -> Option<Datum> {
    let (y, m, d) = ymd(jd)?;
    Datum::new(u16::try_from(y).ok()?, m, d).ok()
}

/// Days of a (common) year.
pub(crate) const YEAR: i32 = 365;

/// Age in whole years on `at` for a birth on `birth` (approximate by days).
pub(crate) fn age(birth: i32, at: i32) -> i32 {
    (at - birth) * 4 / (4 * YEAR + 1)
}
