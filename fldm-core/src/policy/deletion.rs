//! Deletion deadlines for the hub's own stock (AZRG § 36, AZRG-DV § 18):
//! which date of a record starts which deletion period, on which legal
//! basis, and when a record is due.
//!
//! The dates a deletion period can start from are listed once, in
//! [`DATE_ATTRIBUTES`] next to the catalogue; the loader accepts exactly
//! those and `letzte_aenderung`.

use std::collections::HashMap;
use std::fmt;

use super::model::{LegalBasis, Retention, RetentionUnit};
use super::parse::{Ctx, is_ident, nonblank};
use super::raw::{RawDeletion, S};
use crate::attribute;
use crate::date::{Datum, TeilbekanntesDatum};
use crate::record::Person;

/// The `start` keyword for the date of the record's last change.
const LAST_CHANGE: &str = "letzte_aenderung";

/// How a date attribute of a record is read.
type ReadDate = fn(&Person) -> Option<TeilbekanntesDatum>;

/// The catalogue attributes whose value is a date, and how to read each.
/// The catalogue does not record value kinds, so the list lives here; a
/// test checks that every entry is a catalogue attribute.
const DATE_ATTRIBUTES: &[(&str, ReadDate)] = &[
    ("grundpersonalien.geburtsdatum", |p| {
        p.grundpersonalien.geburtsdatum
    }),
    ("aufenthalt.einreisedatum", |p| {
        p.aufenthalt
            .einreisedatum
            .map(TeilbekanntesDatum::JahrMonatTag)
    }),
    ("aufenthalt.ausreisedatum", |p| {
        p.aufenthalt
            .ausreisedatum
            .map(TeilbekanntesDatum::JahrMonatTag)
    }),
    ("aufenthalt.sterbedatum", |p| {
        p.aufenthalt
            .sterbedatum
            .map(TeilbekanntesDatum::JahrMonatTag)
    }),
];

fn date_reader(name: &str) -> Option<ReadDate> {
    DATE_ATTRIBUTES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, read)| *read)
}

/// The date that starts a deletion period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeletionStart {
    /// A date attribute of the record (its catalogue name).
    Attribute(&'static str),
    /// The date of the record's last change (`letzte_aenderung`).
    LastChange,
}

impl DeletionStart {
    /// The name used in policy files: the catalogue name or `letzte_aenderung`.
    pub fn as_str(&self) -> &'static str {
        match self {
            DeletionStart::Attribute(name) => name,
            DeletionStart::LastChange => LAST_CHANGE,
        }
    }
}

impl fmt::Display for DeletionStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a deletion period starts relative to its start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PeriodStart {
    /// At the last day of the calendar quarter of the start date
    /// (AZRG-DV § 18).
    EndOfQuarter,
    /// At the start date itself.
    Event,
}

impl PeriodStart {
    /// The name used in policy files.
    pub fn as_str(&self) -> &'static str {
        match self {
            PeriodStart::EndOfQuarter => "end_of_quarter",
            PeriodStart::Event => "event",
        }
    }

    /// Parse the name used in policy files.
    pub fn parse(s: &str) -> Option<Self> {
        [PeriodStart::EndOfQuarter, PeriodStart::Event]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

impl fmt::Display for PeriodStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A deletion rule: which date of a record starts which deletion period of
/// the hub's stock, on which legal basis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRule {
    /// Stable id, unique among the deletion rules.
    pub id: String,
    /// Free description.
    pub description: String,
    /// The date that starts the period.
    pub start: DeletionStart,
    /// Length of the period.
    pub period: Retention,
    /// Whether the period starts at the end of the quarter or at the date.
    pub period_start: PeriodStart,
    /// Owning offices whose records the rule covers, sorted; empty means all.
    pub owners: Vec<String>,
    /// Legal basis.
    pub legal_basis: LegalBasis,
    /// Whether the data-protection officer has confirmed the rule.
    pub dpo_confirmed: bool,
    /// Line of the rule in the source file.
    pub line: usize,
}

/// A record that is due for deletion, and the rule that makes it due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeletionDue<'a> {
    /// The deciding rule.
    pub rule: &'a DeletionRule,
    /// The first day on which the record is due.
    pub due_on: Datum,
}

impl DeletionRule {
    /// The first day on which `person` is due under this rule, or `None` if
    /// the start date is absent or unknown (the rule does not apply), or if
    /// the day would lie after 2200-12-31 (the last day a [`Datum`] holds).
    /// A partial start date counts as its latest possible day.
    pub fn due_date(&self, person: &Person, last_change: Datum) -> Option<Datum> {
        let start = match self.start {
            DeletionStart::LastChange => last_change,
            DeletionStart::Attribute(name) => latest_day(date_reader(name)?(person)?)?,
        };
        let from = match self.period_start {
            PeriodStart::EndOfQuarter => end_of_quarter(start)?,
            PeriodStart::Event => start,
        };
        add_period(from, self.period)
    }

    /// Whether the rule covers records owned by `office`.
    pub fn applies_to_owner(&self, office: &str) -> bool {
        self.owners.is_empty() || self.owners.iter().any(|o| o == office)
    }
}

/// Among `rules`, the one under which the record is due by `today` with the
/// earliest due date (ties: the first in `rules`).
pub(super) fn earliest_due<'a>(
    rules: &'a [DeletionRule],
    person: &Person,
    owner_office: &str,
    last_change: Datum,
    today: Datum,
) -> Option<DeletionDue<'a>> {
    let mut best: Option<DeletionDue<'a>> = None;
    for rule in rules.iter().filter(|r| r.applies_to_owner(owner_office)) {
        let Some(due_on) = rule.due_date(person, last_change) else {
            continue;
        };
        if due_on <= today && best.is_none_or(|b| due_on < b.due_on) {
            best = Some(DeletionDue { rule, due_on });
        }
    }
    best
}

/// The last day of `month` in `year`, if the year is in range.
fn last_day_of_month(year: u16, month: u8) -> Option<Datum> {
    clamped(year, month, 31)
}

/// `day` of the month, or the month's last day if it has fewer days.
fn clamped(year: u16, month: u8, day: u8) -> Option<Datum> {
    (28..=day.max(28))
        .rev()
        .find_map(|d| Datum::new(year, month, d.min(day)).ok())
}

/// The latest day a (partial) date can stand for; `None` if unknown.
fn latest_day(d: TeilbekanntesDatum) -> Option<Datum> {
    match d {
        TeilbekanntesDatum::JahrMonatTag(d) => Some(d),
        TeilbekanntesDatum::JahrMonat { jahr, monat } => last_day_of_month(jahr, monat),
        TeilbekanntesDatum::Jahr(jahr) => last_day_of_month(jahr, 12),
        TeilbekanntesDatum::Unbekannt => None,
    }
}

/// The last day of the calendar quarter containing `d`.
fn end_of_quarter(d: Datum) -> Option<Datum> {
    last_day_of_month(d.year(), (d.month() - 1) / 3 * 3 + 3)
}

/// `d` plus `period`; months and years keep the day of month or clamp it to
/// the month's last day (29 February + 1 year = 28 February).
fn add_period(d: Datum, period: Retention) -> Option<Datum> {
    let months = match period.unit {
        RetentionUnit::Days => return add_days(d, period.amount),
        RetentionUnit::Months => period.amount,
        RetentionUnit::Years => period.amount.checked_mul(12)?,
    };
    let index = u32::from(d.year()) * 12 + u32::from(d.month() - 1) + months;
    let year = u16::try_from(index / 12).ok()?;
    clamped(year, (index % 12) as u8 + 1, d.day())
}

fn add_days(d: Datum, days: u32) -> Option<Datum> {
    let month = time::Month::try_from(d.month()).ok()?;
    let date = time::Date::from_calendar_date(i32::from(d.year()), month, d.day()).ok()?;
    let later = date.checked_add(time::Duration::days(i64::from(days)))?;
    Datum::new(
        u16::try_from(later.year()).ok()?,
        u8::from(later.month()),
        later.day(),
    )
    .ok()
}

/// Validate the `[[deletion]]` tables. Problems name the deletion rule in
/// the message, since `rule` of an error means a `[[rule]]`. Deletion ids
/// are unique among themselves and differ from the `[[rule]]` ids.
pub(super) fn validate(
    cx: &mut Ctx<'_>,
    raw: Vec<S<RawDeletion>>,
    office_line: &HashMap<String, usize>,
    rule_line: &HashMap<String, usize>,
) -> Vec<DeletionRule> {
    let mut rules = Vec::new();
    let mut id_line: HashMap<String, usize> = HashMap::new();
    for d in raw {
        let span = d.span();
        let d = d.into_inner();
        let before = cx.errors.len();
        let id = d.id.get_ref().clone();
        let at = format!("deletion rule {id:?}: ");
        if !is_ident(&id) {
            cx.err(
                d.id.span(),
                None,
                format!("{at}id must be 1 to 64 characters a-z, 0-9, '-', '_', '.'"),
            );
        } else if let Some(first) = id_line.get(&id) {
            cx.err(
                d.id.span(),
                None,
                format!("{at}duplicate deletion rule id (first used on line {first})"),
            );
        } else if let Some(line) = rule_line.get(&id) {
            // Audit records cite rule ids; one id must mean one rule.
            cx.err(
                d.id.span(),
                None,
                format!("{at}the id is already used by the [[rule]] on line {line}"),
            );
        } else {
            id_line.insert(id.clone(), cx.line(d.id.span().start));
        }

        let name = d.start.get_ref();
        let start = if name == LAST_CHANGE {
            Some(DeletionStart::LastChange)
        } else {
            match attribute::lookup(name) {
                None => {
                    cx.err(
                        d.start.span(),
                        None,
                        format!(
                            "{at}start {name:?} is neither a catalogue attribute nor {LAST_CHANGE} (see docs/attributes.md)"
                        ),
                    );
                    None
                }
                Some((_, a)) if date_reader(a.name).is_none() => {
                    let dates: Vec<&str> = DATE_ATTRIBUTES.iter().map(|(n, _)| *n).collect();
                    cx.err(
                        d.start.span(),
                        None,
                        format!(
                            "{at}start {name:?} is not a date attribute (expected one of {}, or {LAST_CHANGE})",
                            dates.join(", ")
                        ),
                    );
                    None
                }
                Some((_, a)) => Some(DeletionStart::Attribute(a.name)),
            }
        };

        let period = Retention::parse(d.period.get_ref());
        if period.is_none() {
            cx.err(
                d.period.span(),
                None,
                format!(
                    "{at}period {:?} must be \"<n> days\", \"<n> months\" or \"<n> years\"",
                    d.period.get_ref()
                ),
            );
        }

        let period_start = PeriodStart::parse(d.period_start.get_ref());
        if period_start.is_none() {
            cx.err(
                d.period_start.span(),
                None,
                format!(
                    "{at}period_start {:?} must be \"end_of_quarter\" or \"event\"",
                    d.period_start.get_ref()
                ),
            );
        }

        let mut owners: Vec<String> = Vec::new();
        if let Some(list) = &d.owners {
            if list.get_ref().is_empty() {
                cx.err(
                    list.span(),
                    None,
                    format!("{at}owners is empty; omit it to cover the records of all owners"),
                );
            }
            for o in list.get_ref() {
                if !office_line.contains_key(o.get_ref()) {
                    cx.err(
                        o.span(),
                        None,
                        format!("{at}unknown office {:?} in owners", o.get_ref()),
                    );
                } else if !owners.contains(o.get_ref()) {
                    owners.push(o.get_ref().clone());
                }
            }
        }
        owners.sort();

        let lb = d.legal_basis.into_inner();
        for (field, v) in [
            ("law", &lb.law),
            ("section", &lb.section),
            ("citation", &lb.citation),
        ] {
            if !nonblank(v.get_ref()) {
                cx.err(v.span(), None, format!("{at}legal_basis.{field} is empty"));
            }
        }

        if let (true, Some(start), Some(period), Some(period_start)) =
            (cx.errors.len() == before, start, period, period_start)
        {
            rules.push(DeletionRule {
                id,
                description: d.description,
                start,
                period,
                period_start,
                owners,
                legal_basis: LegalBasis {
                    law: lb.law.into_inner(),
                    section: lb.section.into_inner(),
                    citation: lb.citation.into_inner(),
                },
                dpo_confirmed: d.dpo_confirmed,
                line: cx.line(span.start),
            });
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Datum {
        Datum::parse(s).expect("date")
    }

    #[test]
    fn date_attributes_are_catalogue_attributes() {
        for (name, _) in DATE_ATTRIBUTES {
            assert!(attribute::lookup(name).is_some(), "{name}");
        }
    }

    #[test]
    fn quarter_ends_and_period_arithmetic() {
        for (d, q) in [
            ("2024-01-01", "2024-03-31"),
            ("2024-05-31", "2024-06-30"),
            ("2024-09-30", "2024-09-30"),
            ("2024-10-02", "2024-12-31"),
        ] {
            assert_eq!(end_of_quarter(day(d)), Some(day(q)), "{d}");
        }
        let years = |n| Retention {
            amount: n,
            unit: RetentionUnit::Years,
        };
        let months = |n| Retention {
            amount: n,
            unit: RetentionUnit::Months,
        };
        let days = |n| Retention {
            amount: n,
            unit: RetentionUnit::Days,
        };
        assert_eq!(
            add_period(day("2024-02-29"), years(1)),
            Some(day("2025-02-28"))
        );
        assert_eq!(
            add_period(day("2024-02-29"), years(4)),
            Some(day("2028-02-29"))
        );
        assert_eq!(
            add_period(day("2024-01-31"), months(1)),
            Some(day("2024-02-29"))
        );
        assert_eq!(
            add_period(day("2024-11-30"), months(3)),
            Some(day("2025-02-28"))
        );
        assert_eq!(
            add_period(day("2024-12-31"), days(1)),
            Some(day("2025-01-01"))
        );
        assert_eq!(
            add_period(day("2024-02-28"), days(0)),
            Some(day("2024-02-28"))
        );
        // Beyond the last representable day: never due.
        assert_eq!(add_period(day("2195-06-30"), years(10)), None);
        assert_eq!(add_period(day("2200-12-31"), days(1)), None);
    }

    #[test]
    fn partial_dates_count_as_their_latest_day() {
        let p = |s| latest_day(TeilbekanntesDatum::parse(s).expect("date"));
        assert_eq!(p("2020"), Some(day("2020-12-31")));
        assert_eq!(p("2020-02"), Some(day("2020-02-29")));
        assert_eq!(p("2021-02"), Some(day("2021-02-28")));
        assert_eq!(p("2021-02-03"), Some(day("2021-02-03")));
        assert_eq!(p("unbekannt"), None);
    }
}
