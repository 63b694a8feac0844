//! Dates and times of audit records: the `YYYY-MM-DD` and millisecond
//! forms, and the retention dates the logging templates prescribe.

use time::{Date, Month};

pub(crate) mod date_format {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
    use time::Date;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_date(*d))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_date(&s).ok_or_else(|| D::Error::custom("expected a date YYYY-MM-DD"))
    }
}

/// `YYYY-MM-DD`.
pub fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parse `YYYY-MM-DD` (exactly that form).
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let p = &s[r];
        if p.bytes().all(|c| c.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let y = i32::try_from(num(0..4)?).ok()?;
    let m = Month::try_from(u8::try_from(num(5..7)?).ok()?).ok()?;
    let d = u8::try_from(num(8..10)?).ok()?;
    Date::from_calendar_date(y, m, d).ok()
}

/// The UTC date of a millisecond timestamp.
pub fn date_of_ms(time_ms: i64) -> Option<Date> {
    let secs = time_ms.div_euclid(1000);
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .map(|t| t.date())
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a millisecond timestamp (UTC).
pub fn format_time_ms(time_ms: i64) -> String {
    let secs = time_ms.div_euclid(1000);
    let ms = time_ms.rem_euclid(1000);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{}T{:02}:{:02}:{:02}.{:03}Z",
            format_date(t.date()),
            t.hour(),
            t.minute(),
            t.second(),
            ms
        ),
        Err(_) => format!("@{time_ms}ms"),
    }
}

/// Parse `YYYY-MM-DD` (start of that day, UTC) or RFC 3339 to milliseconds.
pub fn parse_time_ms(s: &str) -> Option<i64> {
    if let Some(d) = parse_date(s) {
        return Some(d.midnight().assume_utc().unix_timestamp() * 1000);
    }
    let t = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Retention helpers: the earliest deletion date each template prescribes,
/// counted from the time of the record.
pub mod retention {
    use time::{Date, Month};

    use super::date_of_ms;

    /// BDSG § 76 Abs. 4: end of the year following the year of creation.
    pub fn bdsg_76(time_ms: i64) -> Option<Date> {
        let d = date_of_ms(time_ms)?;
        Date::from_calendar_date(d.year() + 1, Month::December, 31).ok()
    }

    /// AZRG-DV § 16 (logs under AZRG § 13): six months.
    pub fn azrg_13(time_ms: i64) -> Option<Date> {
        add_months(date_of_ms(time_ms)?, 6)
    }

    /// BMG § 40: at least twelve months.
    pub fn bmg_40(time_ms: i64) -> Option<Date> {
        add_months(date_of_ms(time_ms)?, 12)
    }

    fn add_months(d: Date, months: u8) -> Option<Date> {
        let total = i32::from(u8::from(d.month())) - 1 + i32::from(months);
        let year = d.year() + total / 12;
        let month = Month::try_from(u8::try_from(total % 12 + 1).ok()?).ok()?;
        let last = month.length(year);
        Date::from_calendar_date(year, month, d.day().min(last)).ok()
    }
}
