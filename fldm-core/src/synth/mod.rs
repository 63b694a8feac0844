//! A deterministic synthetic population for demos, tests and benchmarks.
//!
//! # What it models
//!
//! [`Population`] produces an endless stream of [`Person`] records as the
//! hub would hold them for refugees living in a Cologne-like city, on the
//! reference date [`REFERENCE_DATE`]:
//!
//! - **Origins** in roughly the proportions of persons seeking protection in
//!   Germany in the mid-2020s: Syria (475), Ukraine (166), Afghanistan (423),
//!   Iraq (438), Turkey (163), Iran (439), Eritrea (224), Somalia (273),
//!   Nigeria (232), Georgia (430), the Russian Federation (160), Colombia
//!   (349), plus stateless (997) and unclear nationality (998).
//! - **Names** in Latin transcription, as the foreigners' authorities
//!   register them, following the customs of each origin: inherited family
//!   names; name chains with the father's (and grandfather's) given name
//!   (Iraq, Eritrea, Somalia); no family name at all
//!   ([`NamePart::NichtVorhanden`], Afghanistan, Eritrea, Somalia); two
//!   family names (Colombia); female forms of family names (Ukraine,
//!   Russia); a wife taking her husband's name with her own as Geburtsname
//!   (Turkey, Ukraine, Georgia, Russia, Nigeria). Recorded spellings vary
//!   (Mohammed / Muhammad / Mohamed / Mohamad / Muhammed, Hussein / Husain,
//!   Yusuf / Jusuf, Abd al-Rahman / Abdulrahman, Shevchenko /
//!   Schewtschenko, Çelik / Celik, José / Jose) and other spellings, swapped
//!   given and family names and scholarly transliterations with diacritics
//!   (Muḥammad, Ševčenko) appear in `weitere_personalien`. Every name passes
//!   the DIN 91379 check of [`crate::text`].
//! - **Households**: single adults, couples, parents with children, single
//!   mothers (most households from Ukraine), unaccompanied minors, adult
//!   siblings, grandparents. Members of a household are consecutive in the
//!   stream, share address and arrival, and link each other in
//!   `asyl.familienangehoerige` by FLDM id; relatives not in the city (a
//!   spouse abroad, an absent father) are listed by name only. A spouse and
//!   children may arrive later (family reunification); children born after
//!   arrival are born in Cologne and have no arrival date.
//! - **Birth dates** as registered: full dates, the placeholder 01.01.YYYY
//!   (about one in ten, far more often for Afghanistan, Eritrea and
//!   Somalia), year and month, year only, and rarely unknown.
//! - **Identifiers**: the FLDM id of the n-th person of a stream (counting
//!   from 1) is `P` followed by n with at least nine digits (`P000000001`);
//!   the AZR-Nummer is the registration date `YYMMDD` plus six digits that
//!   are distinct for any 1,000,000 consecutive persons, so AZR-Nummern
//!   are unique in populations of up to a million persons.
//! - **Addresses** in Cologne (`ort` "Köln", the city's real postcodes,
//!   street names combined from common German street-name parts), with
//!   move-in dates and earlier addresses in reception centres.
//! - **Residence** (arrival, status by origin and time since arrival, a few
//!   departures and deaths), the data of AZRG § 3 Abs. 2 (responsible
//!   bodies, voluntary contact data, health examination, vaccinations, state
//!   of direct entry) and § 3 Abs. 3 (school, studies, training, profession,
//!   language skills) for a share of persons, identity documents,
//!   Familienstand, a voluntary religion for some, a rare Doktorgrad, alias
//!   personal data and former names. Every field of the record is set for
//!   some persons.
//!
//! # No real data
//!
//! Nothing here describes a real person. Given and family names are common
//! names of their regions, combined at random; addresses, telephone numbers
//! (taken from a few fixed blocks), e-mail addresses (at the reserved
//! domains `example.org`, `example.net`, `example.com`), document numbers
//! and AZR-Nummern are invented.
//!
//! # Determinism
//!
//! The stream depends only on the seed: it is drawn from
//! [`rand_chacha::ChaCha8Rng`] (seeded with `seed_from_u64`), using its raw
//! 32-bit output and fixed-point arithmetic only, so the same seed gives the
//! same persons on every platform and in every run. [`population`]`(n, seed)`
//! is exactly the first `n` persons of [`Population::new`]`(seed)`. Cutting a
//! stream after `n` persons may cut the last household: links of its first
//! members may then point to persons beyond `n`.
//!
//! [`local_case_variant`] derives the entry a municipal department's own
//! case list might hold for a hub person (another spelling, a coarser birth
//! date), for testing search and linkage.

mod names;
mod tables;

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unicode_normalization::UnicodeNormalization;

use crate::codes::{
    Aufenthaltsstatus, Beziehung, Bundesland, Dokumentart, Familienstand, Geschlecht, Sprachniveau,
    Staatsangehoerigkeit,
};
use crate::date::{Datum, TeilbekanntesDatum};
use crate::ids::{AzrNummer, FldmId};
use crate::record::{
    Aliaspersonalie, Anschrift, Dokumentnummer, Email, Familienangehoeriger,
    Gesundheitsuntersuchung, Identitaetsdokument, Impfung, Kontakt, Name, NamePart, Namensvariante,
    Person, Postleitzahl, Sprache, Sprachkenntnis, Telefon, Text, Zustaendigkeit,
};
use names::{ArrivalProfile, Naming, ORIGINS, OTHER_PLACES, Origin, SPELLING_GROUPS};

/// The date the population describes (`YYYY-MM-DD`): no event lies after it.
pub const REFERENCE_DATE: &str = "2026-06-30";
const REFERENCE: (i32, u8, u8) = (2026, 6, 30);

/// The first `count` persons of the population for `seed`.
///
/// Equal to `Population::new(seed).take(count).collect()`.
pub fn population(count: usize, seed: u64) -> Vec<Person> {
    Population::new(seed).take(count).collect()
}

/// An endless, deterministic stream of synthetic persons.
///
/// Persons are generated household by household; only the current
/// household is held in memory, so any number of records can be streamed.
pub struct Population {
    seed: u64,
    rng: Dice,
    /// Index (from 0) of the next person to be generated.
    next_index: u64,
    buffer: VecDeque<Person>,
}

impl std::fmt::Debug for Population {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Population")
            .field("seed", &self.seed)
            .field("generated", &self.next_index)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl Population {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Population {
            seed,
            rng: Dice::new(seed),
            next_index: 0,
            buffer: VecDeque::new(),
        }
    }
}

impl Iterator for Population {
    type Item = Person;

    fn next(&mut self) -> Option<Person> {
        if self.buffer.is_empty() {
            self.household();
        }
        self.buffer.pop_front()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

/// The group of spellings `name` belongs to (including `name` itself), or
/// an empty slice. For example `"Muhammad"` gives Mohammed, Muhammad,
/// Mohamed, Mohamad, Muhammed, Mohammad, Mehmet, Magomed and Muḥammad.
pub fn spelling_variants(name: &str) -> &'static [&'static str] {
    tables()
        .groups
        .get(name)
        .and_then(|&g| SPELLING_GROUPS.get(g))
        .copied()
        .unwrap_or(&[])
}

/// Every name the generator can write into a record: given and family names
/// of all origins and every spelling of the spelling groups (with
/// repetitions). Composite values are built from these with single spaces.
pub fn name_table() -> impl Iterator<Item = &'static str> {
    names::all().chain(tables::DOKTORGRADE.iter().copied())
}

/// The entry a municipal department's own case list (for example the
/// housing office's) might hold for the hub person `person`.
///
/// The result keeps what such a list holds according to the housing
/// office's legal finding: Familienname, Geburtsname, Vornamen,
/// Geburtsdatum, Geschlecht, Staatsangehörigkeiten and the current
/// address. It keeps the hub's FLDM id as the known true match; a test
/// that must not see it replaces it. One or two of these changes are made:
/// another spelling of a given or family name (from the spelling groups,
/// without diacritics, or with the article of an `Al-` name written
/// differently), given and family name swapped, a name chain cut or split,
/// capitals; and in about half of the cases the birth date is coarsened
/// (year only, year and month, placeholder 01.01.YYYY) or mistyped (day and
/// month swapped, year off by one).
///
/// The changes depend only on `seed` and the person's FLDM id.
pub fn local_case_variant(person: &Person, seed: u64) -> Person {
    let t = tables();
    let mut rng = Dice::new(seed ^ fnv1a(person.fldm_id.as_str()));
    let g = &person.grundpersonalien;
    let mut out = Person::new(person.fldm_id.clone());
    let mut vornamen = g.vornamen.clone();
    let mut familienname = g.familienname.clone();

    // One or two changes; the result must differ from the hub record (two
    // changes can undo each other, e.g. swapping twice).
    let ops = 1 + rng.below(2);
    let mut done = 0;
    for _attempt in 0..16 {
        if apply_name_change(&mut rng, t, &mut vornamen, &mut familienname) {
            done += 1;
        }
        if done >= ops && (&vornamen, &familienname) != (&g.vornamen, &g.familienname) {
            break;
        }
    }

    let o = &mut out.grundpersonalien;
    o.vornamen = vornamen;
    o.familienname = familienname;
    o.geburtsname = g.geburtsname.clone();
    o.geschlecht = g.geschlecht;
    o.staatsangehoerigkeiten = g.staatsangehoerigkeiten.clone();
    o.geburtsdatum = match g.geburtsdatum {
        Some(d) if rng.pm(500) => Some(degrade_date(&mut rng, d)),
        other => other,
    };
    out.anschrift.aktuell = person.anschrift.aktuell.as_ref().map(|a| Anschrift {
        auszugsdatum: None,
        einzugsdatum: None,
        ..a.clone()
    });
    out
}

// ------------------------------------------------------------- randomness

/// The random source: ChaCha8 and fixed-point arithmetic on its 32-bit
/// output only, so results are the same on every platform.
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64) -> Self {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    fn u32(&mut self) -> u32 {
        self.0.next_u32()
    }

    /// A number in `0..n` (0 if `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        ((u64::from(self.u32()) * n as u64) >> 32) as usize
    }

    /// True with probability `p` per mille.
    fn pm(&mut self, p: u32) -> bool {
        (self.below(1000) as u32) < p
    }

    /// A number in `lo..=hi` (`lo` if the range is empty).
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        lo + self.below((hi - lo) as usize + 1) as i32
    }

    /// An element of `s` (the default value if `s` is empty).
    fn pick<T: Copy + Default>(&mut self, s: &[T]) -> T {
        s.get(self.below(s.len())).copied().unwrap_or_default()
    }

    /// A value drawn from `(value, weight)` pairs.
    fn weighted_pick<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as usize) as u32;
        for &(v, w) in items {
            if r < w {
                return Some(v);
            }
            r -= w;
        }
        None
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, w: &[u32]) -> usize {
        let total: u32 = w.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, &x) in w.iter().enumerate() {
            if r < x {
                return i;
            }
            r -= x;
        }
        0
    }
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ------------------------------------------------------------ dates

fn jd(y: i32, m: u8, d: u8) -> i32 {
    time::Month::try_from(m)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
        .map(|d| d.to_julian_day())
        .unwrap_or(0)
}

fn ymd(jd: i32) -> Option<(i32, u8, u8)> {
    let d = time::Date::from_julian_day(jd).ok()?;
    Some((d.year(), u8::from(d.month()), d.day()))
}

fn datum(jd: i32) -> Option<Datum> {
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

fn datum_uncached(jd: i32) -> Option<Datum> {
    let (y, m, d) = ymd(jd)?;
    Datum::new(u16::try_from(y).ok()?, m, d).ok()
}

const YEAR: i32 = 365;

/// Age in whole years on `at` for a birth on `birth` (approximate by days).
fn age(birth: i32, at: i32) -> i32 {
    (at - birth) * 4 / (4 * YEAR + 1)
}

// ----------------------------------------------------------- cached values

/// FNV-1a: a fast hash for the short, trusted keys of the tables.
struct Fnv(u64);

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

type Map<V> = HashMap<&'static str, V, std::hash::BuildHasherDefault<Fnv>>;

/// First day of the date cache (1 January 1925) and its length in days.
const DATE_CACHE_START: (i32, u8, u8) = (1925, 1, 1);
const DATE_CACHE_DAYS: usize = 116 * 366;

/// Checked values built once from the static tables, so that records can
/// share them by cloning instead of normalising and checking every string.
struct Tables {
    reference: i32,
    date_base: i32,
    dates: Vec<Datum>,
    names: Map<Name>,
    texts: Map<Text>,
    codes: Map<Staatsangehoerigkeit>,
    groups: Map<usize>,
    streets: Vec<Text>,
    origin_weights: Vec<u32>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(Tables::build)
}

impl Tables {
    fn build() -> Tables {
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

    fn name(&self, s: &str) -> Option<Name> {
        match self.names.get(s) {
            Some(n) => Some(n.clone()),
            None => Name::parse(s).ok(),
        }
    }

    fn part(&self, s: &str) -> Option<NamePart> {
        self.name(s).map(NamePart::Wert)
    }

    fn text(&self, s: &str) -> Option<Text> {
        match self.texts.get(s) {
            Some(t) => Some(t.clone()),
            None => Text::parse(s).ok(),
        }
    }

    fn code(&self, c: &str) -> Option<Staatsangehoerigkeit> {
        match self.codes.get(c) {
            Some(s) => Some(*s),
            None => Staatsangehoerigkeit::parse(c).ok(),
        }
    }

    fn group(&self, s: &str) -> Option<&'static [&'static str]> {
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
    fn spell(&self, s: &'static str, salt: u32, permille: u32) -> &'static str {
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

// ------------------------------------------------------------ households

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Head,
    Spouse,
    Child,
    Grandparent,
    Sibling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Single,
    Couple,
    CoupleKids,
    SingleParent,
    Minor,
    WithGrandparent,
    Siblings,
}

/// How the family name is formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fam {
    None,
    Table(usize),
    Father,
    FatherGrandfather,
    Grandfather,
    Double(usize, usize),
}

/// Name parts as known to the family (canonical table spellings).
#[derive(Debug, Clone, Copy)]
struct Names {
    given: &'static str,
    second: Option<&'static str>,
    father: &'static str,
    grandfather: &'static str,
    /// The father's name is part of the Vornamen (name chain).
    chain: bool,
    fam: Fam,
}

#[derive(Debug, Clone)]
struct Member {
    role: Role,
    sex: Geschlecht,
    birth: i32,
    names: Names,
    /// Birth family name where the family name changed on marriage.
    maiden: Option<Names>,
    fam_salt: u32,
    given_salt: u32,
    /// Arrival in Germany; `None` if born in Germany.
    arrival: Option<i32>,
    familienstand: Familienstand,
}

/// A relative not living in the city, listed by name only.
#[derive(Debug, Clone, Copy)]
struct Absent {
    beziehung: Beziehung,
    names: Names,
    sex: Geschlecht,
}

#[derive(Debug)]
struct Household {
    o: &'static Origin,
    kind: Kind,
    members: Vec<Member>,
    /// Name-only relatives per member.
    absent: Vec<Vec<Absent>>,
    arrival: i32,
    /// Move-in date of the current address.
    einzug: i32,
    protected: bool,
    address: Option<Anschrift>,
    former: Vec<Anschrift>,
    zustaendigkeit: Option<Zustaendigkeit>,
    direkt: Option<Staatsangehoerigkeit>,
    departure: Option<i32>,
}

const LONG_YEARS: &[u32] = &[2, 6, 20, 18, 6, 5, 5, 3, 5, 8, 10, 7, 4, 1];
const RECENT_YEARS: &[u32] = &[1, 1, 2, 2, 2, 3, 4, 2, 4, 10, 25, 20, 10, 3];
const UKRAINE_YEARS: &[u32] = &[60, 20, 12, 7, 1];

const FS_SINGLE: &[(Familienstand, u32)] = &[
    (Familienstand::Ledig, 550),
    (Familienstand::Verheiratet, 200),
    (Familienstand::Geschieden, 70),
    (Familienstand::Verwitwet, 70),
    (Familienstand::NichtBekannt, 90),
    (Familienstand::EheAufgehoben, 10),
    (Familienstand::Lebenspartnerschaft, 5),
    (Familienstand::LebenspartnerVerstorben, 2),
    (Familienstand::LebenspartnerschaftAufgehoben, 2),
    (Familienstand::LebenspartnerschaftTodeserklaerung, 1),
];

impl Population {
    fn household(&mut self) {
        let t = tables();
        let r = t.reference;
        let oi = self.rng.weighted(&t.origin_weights);
        let o = ORIGINS.get(oi).unwrap_or(&ORIGINS[0]);
        let mut hh = self.plan(o, r);
        self.shared(t, &mut hh, r);

        let base = self.next_index;
        let ids: Vec<Option<FldmId>> = (0..hh.members.len() as u64)
            .map(|i| FldmId::parse(&format!("P{:09}", base + i + 1)).ok())
            .collect();
        for i in 0..hh.members.len() {
            let index = base + i as u64;
            if let Some(p) = self.person(t, &hh, i, &ids, index, r) {
                self.buffer.push_back(p);
            }
        }
        self.next_index += hh.members.len() as u64;
    }

    fn arrival(&mut self, profile: ArrivalProfile, r: i32) -> i32 {
        let (first, weights) = match profile {
            ArrivalProfile::Long => (2013, LONG_YEARS),
            ArrivalProfile::Recent => (2013, RECENT_YEARS),
            ArrivalProfile::Ukraine => (2022, UKRAINE_YEARS),
        };
        let y = first + self.rng.weighted(weights) as i32;
        let mut start = jd(y, 1, 1);
        if profile == ArrivalProfile::Ukraine && y == 2022 {
            start = jd(2022, 2, 24);
        }
        let end = (jd(y, 12, 31)).min(r - 1);
        self.rng.range(start, end)
    }

    fn sex(&mut self, male_permille: u32) -> Geschlecht {
        let x = self.rng.below(1000) as u32;
        if x < 8 {
            Geschlecht::KeineAngabe
        } else if x < 11 {
            Geschlecht::Divers
        } else if x < 11 + male_permille * 989 / 1000 {
            Geschlecht::Maennlich
        } else {
            Geschlecht::Weiblich
        }
    }

    fn birth_for_age(&mut self, lo: i32, hi: i32, r: i32) -> i32 {
        r - self
            .rng
            .range(lo * YEAR + lo / 4, hi * YEAR + hi / 4 + YEAR - 1)
    }

    /// Fresh names for a person of origin `o`.
    fn fresh(&mut self, o: &Origin, sex: Geschlecht) -> Names {
        let table = match sex {
            Geschlecht::Maennlich => o.male,
            Geschlecht::Weiblich => o.female,
            _ if self.rng.pm(500) => o.male,
            _ => o.female,
        };
        let given = self.rng.pick(table);
        let mut second = if self.rng.pm(o.double_given) {
            Some(self.rng.pick(table)).filter(|s| *s != given)
        } else {
            None
        };
        let fathers = match o.naming {
            Naming::Eritrean | Naming::Somali => o.family,
            _ => o.male,
        };
        let father = self.rng.pick(fathers);
        let grandfather = self.rng.pick(fathers);
        let table_fam = |d: &mut Dice| Fam::Table(d.below(o.family.len()));
        let x = self.rng.below(1000);
        let (chain, fam) = match o.naming {
            Naming::Family => (false, table_fam(&mut self.rng)),
            Naming::Afghan if x < 350 => {
                if second.is_none() && self.rng.pm(500) {
                    second = Some(self.rng.pick(table)).filter(|s| *s != given);
                }
                (false, Fam::None)
            }
            Naming::Afghan if x < 450 => (false, Fam::Father),
            Naming::Afghan => (false, table_fam(&mut self.rng)),
            Naming::IraqiChain if x < 450 => (true, Fam::Grandfather),
            Naming::IraqiChain => (false, table_fam(&mut self.rng)),
            Naming::Eritrean if x < 750 => (false, Fam::Father),
            Naming::Eritrean if x < 900 => (false, Fam::FatherGrandfather),
            Naming::Eritrean => (true, Fam::None),
            Naming::Somali if x < 700 => (false, Fam::FatherGrandfather),
            Naming::Somali if x < 900 => (true, Fam::Grandfather),
            Naming::Somali => (true, Fam::None),
            Naming::Spanish => {
                let a = self.rng.below(o.family.len());
                let b = self.rng.below(o.family.len());
                (false, Fam::Double(a, b))
            }
        };
        Names {
            given,
            second,
            father,
            grandfather,
            chain,
            fam,
        }
    }

    /// Names of a child of `father` and `mother`.
    fn child_names(
        &mut self,
        o: &Origin,
        sex: Geschlecht,
        father: &Names,
        mother: &Names,
    ) -> Names {
        let mut n = self.fresh(o, sex);
        n.father = father.given;
        n.grandfather = father.father;
        n.chain = father.chain;
        n.fam = match father.fam {
            Fam::Double(a, _) => match mother.fam {
                Fam::Double(b, _) => Fam::Double(a, b),
                _ => Fam::Double(a, a),
            },
            Fam::None if o.naming == Naming::Afghan && self.rng.pm(300) => Fam::Father,
            other => other,
        };
        if n.fam == Fam::None && !n.chain && n.second.is_none() && self.rng.pm(300) {
            n.second = Some(self.rng.pick(if sex == Geschlecht::Weiblich {
                o.female
            } else {
                o.male
            }))
            .filter(|s| *s != n.given);
        }
        n
    }

    fn member(
        &mut self,
        role: Role,
        sex: Geschlecht,
        birth: i32,
        names: Names,
        salt: u32,
    ) -> Member {
        Member {
            role,
            sex,
            birth,
            names,
            maiden: None,
            fam_salt: salt,
            given_salt: self.rng.u32(),
            arrival: None,
            familienstand: Familienstand::Ledig,
        }
    }

    fn familienstand(&mut self, table: &[(Familienstand, u32)]) -> Familienstand {
        self.rng
            .weighted_pick(table)
            .unwrap_or(Familienstand::NichtBekannt)
    }

    /// Decide who lives in the household, with names, birth dates and arrival.
    fn plan(&mut self, o: &'static Origin, r: i32) -> Household {
        let ukraine = o.arrival == ArrivalProfile::Ukraine;
        let kinds: [(Kind, u32); 7] = if ukraine {
            [
                (Kind::Single, 30),
                (Kind::Couple, 5),
                (Kind::CoupleKids, 10),
                (Kind::SingleParent, 40),
                (Kind::Minor, 1),
                (Kind::WithGrandparent, 10),
                (Kind::Siblings, 4),
            ]
        } else {
            [
                (Kind::Single, 38),
                (Kind::Couple, 8),
                (Kind::CoupleKids, 30),
                (Kind::SingleParent, 10),
                (Kind::Minor, 5),
                (Kind::WithGrandparent, 4),
                (Kind::Siblings, 5),
            ]
        };
        let kind = self.rng.weighted_pick(&kinds).unwrap_or(Kind::Single);
        let arrival = self.arrival(o.arrival, r);
        let salt = self.rng.u32();
        let mut members: Vec<Member> = Vec::with_capacity(6);
        let mut absent: Vec<Vec<Absent>> = Vec::new();

        match kind {
            Kind::Single | Kind::Minor | Kind::Siblings => {
                let (lo, hi) = match kind {
                    Kind::Minor => (14, 17),
                    Kind::Siblings => (18, 35),
                    _ if self.rng.pm(600) => (18, 35),
                    _ => (36, 70),
                };
                let male = match kind {
                    Kind::Minor => 850,
                    _ if ukraine => 350,
                    _ => 680,
                };
                let sex = self.sex(male);
                let birth = self.birth_for_age(lo, hi, r);
                let names = self.fresh(o, sex);
                let mut head = self.member(Role::Head, sex, birth, names, salt);
                head.arrival = Some(arrival);
                head.familienstand = if lo < 18 {
                    Familienstand::Ledig
                } else {
                    self.familienstand(FS_SINGLE)
                };
                let mut head_absent = Vec::new();
                if head.familienstand == Familienstand::Verheiratet {
                    let ssex = if sex == Geschlecht::Weiblich {
                        Geschlecht::Maennlich
                    } else {
                        Geschlecht::Weiblich
                    };
                    let names = self.fresh(o, ssex);
                    head_absent.push(Absent {
                        beziehung: Beziehung::Ehegatte,
                        names,
                        sex: ssex,
                    });
                }
                members.push(head);
                absent.push(head_absent);
                if kind == Kind::Siblings {
                    let sex = self.sex(600);
                    let birth = self.birth_for_age(16, 38, r);
                    let mut n = self.fresh(o, sex);
                    let h = members[0].names;
                    n.father = h.father;
                    n.grandfather = h.grandfather;
                    n.chain = h.chain;
                    n.fam = h.fam;
                    let mut sib = self.member(Role::Sibling, sex, birth, n, salt);
                    sib.arrival = Some(arrival);
                    sib.familienstand = if self.rng.pm(800) {
                        Familienstand::Ledig
                    } else {
                        Familienstand::NichtBekannt
                    };
                    members.push(sib);
                    absent.push(Vec::new());
                }
            }
            Kind::Couple | Kind::CoupleKids | Kind::SingleParent | Kind::WithGrandparent => {
                let single = kind == Kind::SingleParent
                    || (kind == Kind::WithGrandparent && (ukraine || self.rng.pm(500)));
                let head_age_max = if kind == Kind::Couple { 70 } else { 52 };
                let father_birth = self.birth_for_age(22, head_age_max, r);
                let mother_birth =
                    (father_birth + self.rng.range(0, 8 * YEAR)).min(r - 18 * YEAR - 5);
                let father = self.fresh(o, Geschlecht::Maennlich);
                let mut mother = self.fresh(o, Geschlecht::Weiblich);
                let mut maiden = None;
                if o.wife_takes_name && matches!(father.fam, Fam::Table(_)) {
                    maiden = Some(mother);
                    mother.fam = father.fam;
                }
                let reunion = !single && kind != Kind::Couple && self.rng.pm(120);
                let mother_arrival = if reunion {
                    (arrival + self.rng.range(180, 1000)).min(r - 1)
                } else {
                    arrival
                };
                let mother_is_head = single && (ukraine || self.rng.pm(850));
                if single && !mother_is_head {
                    // A father alone with his children.
                    let mut head = self.member(
                        Role::Head,
                        Geschlecht::Maennlich,
                        father_birth,
                        father,
                        salt,
                    );
                    head.arrival = Some(arrival);
                    head.familienstand = if self.rng.pm(600) {
                        Familienstand::Verwitwet
                    } else {
                        Familienstand::Geschieden
                    };
                    members.push(head);
                    absent.push(Vec::new());
                } else {
                    let mut fam_w = self.member(
                        if single { Role::Head } else { Role::Spouse },
                        Geschlecht::Weiblich,
                        mother_birth,
                        mother,
                        salt,
                    );
                    fam_w.maiden = maiden;
                    fam_w.arrival = Some(if single { arrival } else { mother_arrival });
                    let mut w_absent = Vec::new();
                    if single {
                        fam_w.familienstand = match self.rng.below(100) {
                            0..60 => Familienstand::Verheiratet,
                            60..85 => Familienstand::Verwitwet,
                            85..95 => Familienstand::Geschieden,
                            _ => Familienstand::Ledig,
                        };
                        if fam_w.familienstand == Familienstand::Verheiratet {
                            w_absent.push(Absent {
                                beziehung: Beziehung::Ehegatte,
                                names: father,
                                sex: Geschlecht::Maennlich,
                            });
                        }
                    } else {
                        fam_w.familienstand = Familienstand::Verheiratet;
                        let mut head = self.member(
                            Role::Head,
                            Geschlecht::Maennlich,
                            father_birth,
                            father,
                            salt,
                        );
                        head.arrival = Some(arrival);
                        head.familienstand = Familienstand::Verheiratet;
                        members.push(head);
                        absent.push(Vec::new());
                    }
                    members.push(fam_w);
                    absent.push(w_absent);
                }
                if kind != Kind::Couple {
                    let n = 1 + self.rng.weighted(&[30, 35, 20, 10, 5]);
                    let mother_age_days = r - mother_birth;
                    let lo = 18 * YEAR;
                    let hi = (42 * YEAR).min(mother_age_days - 1);
                    let mut births: Vec<i32> = (0..n)
                        .map(|_| mother_birth + self.rng.range(lo, hi))
                        .collect();
                    births.sort_unstable();
                    births.dedup();
                    for b in births {
                        let sex = self.sex(500);
                        let names = self.child_names(o, sex, &father, &mother);
                        let salt_c = if self.rng.pm(50) {
                            self.rng.u32()
                        } else {
                            salt
                        };
                        let mut c = self.member(Role::Child, sex, b, names, salt_c);
                        c.arrival = if b > mother_arrival {
                            None
                        } else {
                            Some(mother_arrival)
                        };
                        c.familienstand = Familienstand::Ledig;
                        let mut c_absent = Vec::new();
                        if single && mother_is_head && self.rng.pm(250) {
                            c_absent.push(Absent {
                                beziehung: Beziehung::Elternteil,
                                names: father,
                                sex: Geschlecht::Maennlich,
                            });
                        }
                        members.push(c);
                        absent.push(c_absent);
                    }
                }
                if kind == Kind::WithGrandparent {
                    // The mother of the household's head.
                    let head_birth = members[0].birth;
                    let birth =
                        (head_birth - self.rng.range(19 * YEAR, 32 * YEAR)).max(r - 95 * YEAR);
                    let mut gm = self.fresh(o, Geschlecht::Weiblich);
                    let head_names = members[0].names;
                    let mut gmaiden = None;
                    if o.wife_takes_name
                        && matches!(head_names.fam, Fam::Table(_))
                        && members[0].maiden.is_none()
                    {
                        gmaiden = Some(gm);
                        gm.fam = head_names.fam;
                    }
                    let mut g =
                        self.member(Role::Grandparent, Geschlecht::Weiblich, birth, gm, salt);
                    g.maiden = gmaiden;
                    g.arrival = Some(arrival);
                    g.familienstand = if self.rng.pm(850) {
                        Familienstand::Verwitwet
                    } else {
                        Familienstand::NichtBekannt
                    };
                    members.push(g);
                    absent.push(Vec::new());
                }
            }
        }

        Household {
            o,
            kind,
            members,
            absent,
            arrival,
            einzug: arrival,
            protected: self.rng.pm(o.protection),
            address: None,
            former: Vec::new(),
            zustaendigkeit: None,
            direkt: None,
            departure: None,
        }
    }

    fn hausnummer(&mut self, t: &Tables) -> Option<Text> {
        let n = self.rng.range(1, 180);
        let s = if self.rng.pm(150) {
            format!("{n}{}", ['a', 'b', 'c', 'd'][self.rng.below(4)])
        } else {
            n.to_string()
        };
        t.text(&s)
    }

    /// Address, responsibilities and other values the household shares.
    fn shared(&mut self, t: &Tables, hh: &mut Household, r: i32) {
        let left = r - hh.arrival;
        let einzug = hh.arrival + self.rng.range(left.min(14), left.min(900));
        hh.einzug = einzug;
        let mut current = Anschrift {
            strasse: t.streets.get(self.rng.below(t.streets.len())).cloned(),
            hausnummer: self.hausnummer(t),
            zusatz: if self.rng.pm(350) {
                t.text(self.rng.pick(tables::ZUSATZ))
            } else {
                None
            },
            postleitzahl: Postleitzahl::parse(self.rng.pick(tables::POSTCODES)).ok(),
            ort: t.text(tables::ORT),
            einzugsdatum: datum(einzug),
            auszugsdatum: None,
        };
        if self.rng.pm(450) {
            let (ort, plz) = self.rng.pick(tables::FRUEHERE_ORTE);
            let start = (hh.arrival + self.rng.range(0, 3)).min(einzug);
            let second = self.rng.pm(300) && einzug - start > 60;
            let end = if second {
                start + (einzug - start) / 2
            } else {
                einzug
            };
            hh.former.push(Anschrift {
                strasse: t.streets.get(self.rng.below(t.streets.len())).cloned(),
                hausnummer: self.hausnummer(t),
                zusatz: t.text("Gemeinschaftsunterkunft"),
                postleitzahl: Postleitzahl::parse(plz).ok(),
                ort: t.text(ort),
                einzugsdatum: datum(start),
                auszugsdatum: datum(end),
            });
            if second {
                hh.former.push(Anschrift {
                    strasse: t.streets.get(self.rng.below(t.streets.len())).cloned(),
                    hausnummer: self.hausnummer(t),
                    zusatz: None,
                    postleitzahl: Postleitzahl::parse(self.rng.pick(tables::POSTCODES)).ok(),
                    ort: t.text(tables::ORT),
                    einzugsdatum: datum(end),
                    auszugsdatum: datum(einzug),
                });
            }
        }
        let latest = hh
            .members
            .iter()
            .map(|m| m.arrival.unwrap_or(m.birth))
            .fold(einzug, i32::max);
        if self.rng.pm(15) && r - latest > 60 {
            let d = self.rng.range(latest + 30, r);
            hh.departure = Some(d);
            current.auszugsdatum = datum(d);
            hh.former.push(current);
        } else {
            hh.address = Some(current);
        }
        if self.rng.pm(700) {
            let land = if self.rng.pm(950) {
                Bundesland::NordrheinWestfalen
            } else {
                Bundesland::parse(self.rng.pick(tables::ANDERE_LAENDER))
                    .unwrap_or(Bundesland::Hessen)
            };
            hh.zustaendigkeit = Some(Zustaendigkeit {
                bundesland: Some(land),
                aufnahmeeinrichtung: if self.rng.pm(800) {
                    t.text(self.rng.pick(tables::AUFNAHMEEINRICHTUNGEN))
                } else {
                    None
                },
                auslaenderbehoerde: if self.rng.pm(950) {
                    t.text(self.rng.pick(tables::AUSLAENDERBEHOERDEN))
                } else {
                    None
                },
                jugendamt: if hh.kind == Kind::Minor {
                    t.text(self.rng.pick(tables::JUGENDAEMTER))
                } else {
                    None
                },
            });
        }
        if self.rng.pm(350) {
            let states = if hh.o.arrival == ArrivalProfile::Ukraine {
                tables::EINREISESTAATEN_UKR
            } else {
                tables::EINREISESTAATEN
            };
            hh.direkt = t.code(self.rng.pick(states));
        }
    }

    // ------------------------------------------------------------ one person

    fn person(
        &mut self,
        t: &Tables,
        hh: &Household,
        i: usize,
        ids: &[Option<FldmId>],
        index: u64,
        r: i32,
    ) -> Option<Person> {
        let o = hh.o;
        let m = hh.members.get(i)?;
        let mut p = Person::new(ids.get(i)?.clone()?);
        let born_here = m.arrival.is_none();
        let start = m.arrival.unwrap_or(m.birth);
        let adult = age(m.birth, r) >= 18;
        let female = m.sex == Geschlecht::Weiblich;

        // Death: rare, mostly the old; after moving in, not after departure.
        let earliest = (start + 60).max(hh.einzug);
        let sterbe = if self.rng.pm(if age(m.birth, r) >= 60 { 30 } else { 1 })
            && hh.departure.is_none()
            && r - earliest > 30
        {
            Some(self.rng.range(earliest, r - 1))
        } else {
            None
        };

        // AZR-Nummer.
        if self.rng.pm(970) {
            let reg = (start + self.rng.range(0, 20)).min(r);
            // A bijection of the index modulo 10^6: distinct for any
            // 1,000,000 consecutive persons.
            let suffix = ((index % 1_000_000) * 617_269 + self.seed % 1_000_000) % 1_000_000;
            if let Some((y, mo, d)) = ymd(reg) {
                p.azr_nummer =
                    AzrNummer::parse(&format!("{:02}{mo:02}{d:02}{suffix:06}", y % 100)).ok();
            }
        }

        // Grundpersonalien.
        let vornamen = render_vornamen(t, o, &m.names, m.given_salt, m.fam_salt);
        let familienname = render_family(t, o, &m.names, female, m.fam_salt);
        let g = &mut p.grundpersonalien;
        g.vornamen = t.part(&vornamen);
        g.familienname = match &familienname {
            Some(f) => t.part(f),
            None => Some(NamePart::NichtVorhanden),
        };
        if let Some(maiden) = &m.maiden {
            g.geburtsname =
                render_family(t, o, maiden, female, m.fam_salt).and_then(|s| t.part(&s));
        } else if self.rng.pm(80) {
            g.geburtsname = g.familienname.clone();
        }
        if adult && self.rng.pm(15) {
            let s = match &familienname {
                None => Cow::Borrowed(m.names.father),
                Some(f) => Cow::Owned(fold_diacritics(strip_article(f), false)),
            };
            g.familienname_nach_deutschem_recht = t.part(&s);
        }
        g.geburtsdatum = Some(self.record_birth(o, m.birth, born_here));
        let geburtsland = if born_here {
            "000"
        } else {
            self.rng.weighted_pick(o.birth_countries).unwrap_or(o.code)
        };
        if born_here || self.rng.pm(900) {
            g.geburtsland = t.code(geburtsland);
        }
        if born_here || self.rng.pm(850) {
            let places: &[&str] = if born_here {
                &[tables::ORT]
            } else if geburtsland == o.code {
                o.places
            } else {
                ORIGINS
                    .iter()
                    .find(|x| x.code == geburtsland)
                    .map(|x| x.places)
                    .or_else(|| {
                        OTHER_PLACES
                            .iter()
                            .find(|(c, _)| *c == geburtsland)
                            .map(|(_, p)| *p)
                    })
                    .unwrap_or(&[])
            };
            g.geburtsort = t.text(self.rng.pick(places));
            if !born_here && geburtsland == o.code && self.rng.pm(120) {
                g.geburtsbezirk = t.text(self.rng.pick(o.districts));
            }
        }
        g.geschlecht = Some(m.sex);
        if adult && age(m.birth, r) >= 30 && self.rng.pm(4) {
            g.doktorgrad = t.name(self.rng.pick(tables::DOKTORGRADE));
        }
        if let Some(c) = t.code(o.code) {
            g.staatsangehoerigkeiten.push(c);
        }
        if self.rng.pm(20) {
            let second = match o.code {
                "166" | "430" => "160",
                "475" | "997" => "163",
                "438" | "423" => "439",
                "224" => "225",
                "349" => "367",
                _ => "998",
            };
            if second != o.code {
                if let Some(c) = t.code(second) {
                    g.staatsangehoerigkeiten.push(c);
                }
                if self.rng.pm(30)
                    && let Some(c) = t.code("451")
                {
                    g.staatsangehoerigkeiten.push(c);
                }
            }
        }

        self.weitere(
            t,
            hh,
            m,
            &mut p,
            &vornamen,
            familienname.as_deref(),
            adult,
            r,
        );

        // Addresses.
        let move_in = |a: &Anschrift| {
            let mut a = a.clone();
            let own = m.arrival.unwrap_or(m.birth);
            if let Some(e) = a.einzugsdatum {
                let e = jd(i32::from(e.year()), e.month(), e.day());
                if own > e {
                    a.einzugsdatum = datum(own);
                }
            }
            a
        };
        let with_head = m.arrival == Some(hh.arrival);
        if let Some(a) = &hh.address {
            match sterbe {
                Some(d) => {
                    let mut a = move_in(a);
                    a.auszugsdatum = datum(d);
                    p.anschrift.fruehere.push(a);
                }
                None => p.anschrift.aktuell = Some(move_in(a)),
            }
        }
        if with_head {
            p.anschrift.fruehere.extend(hh.former.iter().cloned());
        } else if let (Some(dep), None) = (hh.departure, &hh.address) {
            // Departed household, member arrived later: only the last address.
            if let Some(last) = hh.former.last() {
                let mut a = move_in(last);
                a.auszugsdatum = datum(dep);
                p.anschrift.fruehere.push(a);
            }
        }

        // Aufenthalt.
        let a = &mut p.aufenthalt;
        if let Some(arr) = m.arrival
            && self.rng.pm(980)
        {
            a.einreisedatum = datum(arr);
        }
        if self.rng.pm(970) {
            a.aufenthaltsstatus = Some(self.status(o, hh.protected, start, r));
        }
        if let Some(d) = hh.departure {
            a.ausreisedatum = datum(d);
        }
        a.sterbedatum = sterbe.and_then(datum);

        self.asyl(t, hh, i, ids, &mut p, &vornamen, familienname.as_deref(), r);
        self.integration(t, hh, m, &mut p, r);
        Some(p)
    }

    fn record_birth(&mut self, o: &Origin, birth: i32, born_here: bool) -> TeilbekanntesDatum {
        let full = || datum(birth).map(TeilbekanntesDatum::JahrMonatTag);
        let Some((y, mo, _)) = ymd(birth) else {
            return TeilbekanntesDatum::Unbekannt;
        };
        let y16 = u16::try_from(y).unwrap_or(1900);
        if born_here {
            return full().unwrap_or(TeilbekanntesDatum::Unbekannt);
        }
        let x = self.rng.below(1000) as u32;
        let placeholder = o.placeholder;
        let year_only = placeholder + o.year_only;
        let year_month = year_only + 20;
        let unknown = year_month + 3;
        let d = if x < placeholder {
            datum(jd(y, 1, 1)).map(TeilbekanntesDatum::JahrMonatTag)
        } else if x < year_only {
            TeilbekanntesDatum::jahr(y16).ok()
        } else if x < year_month {
            TeilbekanntesDatum::jahr_monat(y16, mo).ok()
        } else if x < unknown {
            Some(TeilbekanntesDatum::Unbekannt)
        } else {
            full()
        };
        d.unwrap_or(TeilbekanntesDatum::Unbekannt)
    }

    fn status(&mut self, o: &Origin, protected: bool, since: i32, r: i32) -> Aufenthaltsstatus {
        use Aufenthaltsstatus as S;
        let x = self.rng.below(1000);
        if o.arrival == ArrivalProfile::Ukraine {
            return match x {
                0..950 => S::VoruebergehenderSchutz,
                950..980 => S::Fiktionsbescheinigung,
                _ => S::Aufenthaltserlaubnis,
            };
        }
        let days = r - since;
        if days < 60 {
            return if x < 600 {
                S::Ankunftsnachweis
            } else {
                S::Aufenthaltsgestattung
            };
        }
        if days < YEAR {
            return match x {
                0..900 => S::Aufenthaltsgestattung,
                900..950 => S::Ankunftsnachweis,
                _ => S::Visum,
            };
        }
        if protected {
            if days >= 5 * YEAR {
                match x {
                    0..350 => S::Niederlassungserlaubnis,
                    350..390 => S::DaueraufenthaltEu,
                    390..420 => S::Fiktionsbescheinigung,
                    _ => S::Aufenthaltserlaubnis,
                }
            } else if x < 950 {
                S::Aufenthaltserlaubnis
            } else {
                S::Fiktionsbescheinigung
            }
        } else {
            match x {
                0..600 => S::Duldung,
                600..900 => S::Aufenthaltsgestattung,
                900..970 => S::Ohne,
                _ => S::Fiktionsbescheinigung,
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn weitere(
        &mut self,
        t: &Tables,
        hh: &Household,
        m: &Member,
        p: &mut Person,
        vornamen: &str,
        familienname: Option<&str>,
        adult: bool,
        r: i32,
    ) {
        let o = hh.o;
        let female = m.sex == Geschlecht::Weiblich;
        let w = &mut p.weitere_personalien;

        // Other spellings.
        if self.rng.pm(o.variant * 2 / 3 + 50) {
            let n = 1 + self.rng.weighted(&[60, 30, 10]);
            let mut seen: Vec<(String, Option<String>)> =
                vec![(vornamen.to_string(), familienname.map(str::to_string))];
            for _ in 0..n {
                let mut v = vornamen.to_string();
                let mut f = familienname.map(str::to_string);
                match self.rng.below(10) {
                    0..2 if f.is_some() => {
                        std::mem::swap(&mut v, f.get_or_insert_with(String::new))
                    }
                    0..5 => {
                        if let Some(x) = respell(&mut self.rng, t, &v, false) {
                            v = x;
                        }
                    }
                    5..8 => {
                        if let Some(x) = f
                            .as_deref()
                            .and_then(|s| respell(&mut self.rng, t, s, false))
                        {
                            f = Some(x);
                        }
                    }
                    _ => {
                        if let Some(x) = respell(&mut self.rng, t, &v, false) {
                            v = x;
                        }
                        if let Some(x) = f
                            .as_deref()
                            .and_then(|s| respell(&mut self.rng, t, s, false))
                        {
                            f = Some(x);
                        }
                    }
                }
                if seen.iter().any(|(sv, sf)| *sv == v && *sf == f) {
                    continue;
                }
                let entry = Namensvariante {
                    vornamen: t.part(&v),
                    familienname: match &f {
                        Some(s) => t.part(s),
                        None => Some(NamePart::NichtVorhanden),
                    },
                };
                seen.push((v, f));
                w.andere_schreibweisen.push(entry);
            }
        }

        // Former names.
        if let Some(maiden) = &m.maiden {
            if self.rng.pm(400) {
                w.fruehere_namen.push(Namensvariante {
                    familienname: render_family(t, o, maiden, female, m.fam_salt)
                        .and_then(|s| t.part(&s)),
                    vornamen: None,
                });
            }
        } else if self.rng.pm(10) {
            let fresh = self.fresh(o, m.sex);
            w.fruehere_namen.push(Namensvariante {
                familienname: render_family(t, o, &fresh, female, self.rng.u32())
                    .and_then(|s| t.part(&s)),
                vornamen: if self.rng.pm(300) {
                    t.part(vornamen)
                } else {
                    None
                },
            });
        }

        // Alias personal data.
        if adult && self.rng.pm(15) {
            let fresh = self.fresh(o, m.sex);
            let v = render_vornamen(t, o, &fresh, self.rng.u32(), 0);
            let f = render_family(t, o, &fresh, female, self.rng.u32());
            let birth = m.birth + self.rng.range(-3 * YEAR, 3 * YEAR);
            let gd = self.record_birth(o, birth.min(r - 1), false);
            w.aliaspersonalien.push(Aliaspersonalie {
                familienname: match f {
                    Some(s) => t.part(&s),
                    None => Some(NamePart::NichtVorhanden),
                },
                vornamen: if self.rng.pm(700) {
                    t.part(&v)
                } else {
                    t.part(vornamen)
                },
                geburtsdatum: if self.rng.pm(800) { Some(gd) } else { None },
            });
        }

        // Familienstand.
        if self.rng.pm(if adult { 750 } else { 200 }) {
            w.familienstand = Some(m.familienstand);
        }

        // Identity documents.
        let child = !adult;
        let years = age(m.birth, r);
        let protected_doc = hh.protected && m.arrival.is_some() && self.rng.pm(150);
        let mut docs: Vec<(Dokumentart, &str)> = Vec::new();
        if years >= 1 && self.rng.pm(if child { o.passport / 2 } else { o.passport }) {
            docs.push((Dokumentart::Reisepass, o.code));
        }
        if adult
            && self.rng.pm(250)
            && matches!(
                o.code,
                "475" | "438" | "163" | "166" | "430" | "349" | "439"
            )
        {
            docs.push((Dokumentart::Personalausweis, o.code));
        }
        if self.rng.pm(if child { 250 } else { 50 }) {
            docs.push((
                Dokumentart::Geburtsurkunde,
                if m.arrival.is_none() { "000" } else { o.code },
            ));
        }
        if m.familienstand == Familienstand::Verheiratet && self.rng.pm(100) {
            docs.push((Dokumentart::Heiratsurkunde, o.code));
        }
        if adult && self.rng.pm(50) {
            docs.push((Dokumentart::Fuehrerschein, o.code));
        }
        if protected_doc {
            docs.push((Dokumentart::Passersatz, "000"));
        }
        if self.rng.pm(10) {
            docs.push((Dokumentart::Sonstiges, o.code));
        }
        for (art, staat) in docs {
            let nummer = doc_number(&mut self.rng, art);
            let Ok(nummer) = Dokumentnummer::parse(&nummer) else {
                continue;
            };
            let gueltig_bis = match art {
                Dokumentart::Reisepass | Dokumentart::Personalausweis | Dokumentart::Passersatz
                    if self.rng.pm(700) =>
                {
                    datum((r + self.rng.range(-6 * YEAR, 8 * YEAR)).max(m.birth + 2 * YEAR))
                }
                Dokumentart::Fuehrerschein if self.rng.pm(300) => {
                    datum(r + self.rng.range(0, 10 * YEAR))
                }
                _ => None,
            };
            w.identitaetsdokumente.push(Identitaetsdokument {
                art,
                nummer,
                ausstellungsstaat: if self.rng.pm(900) {
                    t.code(staat)
                } else {
                    None
                },
                gueltig_bis,
            });
        }

        // Religion (voluntary).
        if self.rng.pm(150) {
            w.religion = t.text(self.rng.pick(o.religions));
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn asyl(
        &mut self,
        t: &Tables,
        hh: &Household,
        i: usize,
        ids: &[Option<FldmId>],
        p: &mut Person,
        vornamen: &str,
        familienname: Option<&str>,
        r: i32,
    ) {
        let o = hh.o;
        let Some(m) = hh.members.get(i) else {
            return;
        };
        let ukraine = o.arrival == ArrivalProfile::Ukraine;
        let a = &mut p.asyl;

        // Family members in the household, by FLDM id (names too for some).
        for (j, other) in hh.members.iter().enumerate() {
            if j == i {
                continue;
            }
            let Some(id) = ids.get(j).cloned().flatten() else {
                continue;
            };
            let with_names = self.rng.pm(300);
            let (ov, of) = if with_names {
                let female = other.sex == Geschlecht::Weiblich;
                let v = render_vornamen(t, o, &other.names, other.given_salt, other.fam_salt);
                let f = render_family(t, o, &other.names, female, other.fam_salt);
                (
                    t.part(&v),
                    Some(match f {
                        Some(s) => t.part(&s).unwrap_or(NamePart::NichtVorhanden),
                        None => NamePart::NichtVorhanden,
                    }),
                )
            } else {
                (None, None)
            };
            a.familienangehoerige.push(Familienangehoeriger {
                beziehung: relation(m.role, other.role),
                fldm_id: Some(id),
                familienname: of,
                vornamen: ov,
            });
        }
        // Relatives elsewhere, by name only.
        for rel in hh.absent.get(i).map(Vec::as_slice).unwrap_or(&[]) {
            let female = rel.sex == Geschlecht::Weiblich;
            let v = render_vornamen(t, o, &rel.names, 0, 0);
            let f = render_family(t, o, &rel.names, female, 0);
            a.familienangehoerige.push(Familienangehoeriger {
                beziehung: rel.beziehung,
                fldm_id: None,
                familienname: Some(match f {
                    Some(s) => t.part(&s).unwrap_or(NamePart::NichtVorhanden),
                    None => NamePart::NichtVorhanden,
                }),
                vornamen: t.part(&v),
            });
        }

        let Some(arrival) = m.arrival else {
            // Born in Germany: vaccinations only.
            if self.rng.pm(300) {
                self.impfungen(t, &mut p.asyl, m.birth + 40, r);
            }
            return;
        };
        a.staat_direkte_einreise = hh.direkt;
        a.zustaendigkeit = hh.zustaendigkeit.clone();

        let adult = age(m.birth, r) >= 16;
        if adult && self.rng.pm(300) {
            let telefon = if self.rng.pm(900) {
                let s = match self.rng.below(3) {
                    0 => format!("+49 171 39200{:02}", self.rng.below(100)),
                    1 => format!("+49 176 040690{:02}", self.rng.below(100)),
                    _ => format!("+49 221 4710{:03}", self.rng.below(1000)),
                };
                Telefon::parse(&s).ok()
            } else {
                None
            };
            let email = if self.rng.pm(400) {
                let local = mail_local(vornamen, familienname, self.rng.below(100));
                Email::parse(&format!("{local}@{}", self.rng.pick(tables::MAIL_DOMAINS))).ok()
            } else {
                None
            };
            if telefon.is_some() || email.is_some() {
                a.kontakt = Some(Kontakt { telefon, email });
            }
        }
        if !ukraine && self.rng.pm(550) {
            let d = (arrival + self.rng.range(1, 21)).min(r);
            if let Some(datum) = datum(d) {
                a.gesundheitsuntersuchung = Some(Gesundheitsuntersuchung {
                    datum,
                    ort: if self.rng.pm(800) {
                        t.text(self.rng.pick(tables::GESUNDHEIT_ORTE))
                    } else {
                        None
                    },
                    unbedenklich_fuer_gemeinschaftsunterkunft: match self.rng.below(100) {
                        0..88 => Some(true),
                        88..90 => Some(false),
                        _ => None,
                    },
                });
            }
        }
        if self.rng.pm(if ukraine { 150 } else { 350 }) {
            self.impfungen(t, &mut p.asyl, arrival, r);
        }
    }

    fn impfungen(&mut self, t: &Tables, a: &mut crate::record::Asyl, from: i32, r: i32) {
        let n = 1 + self.rng.weighted(&[50, 35, 15]);
        let mut used: Vec<&str> = Vec::with_capacity(n);
        for _ in 0..n {
            let art = self.rng.pick(tables::IMPFUNGEN);
            if used.contains(&art) {
                continue;
            }
            used.push(art);
            let Some(d) = datum((from + self.rng.range(0, 400)).min(r)) else {
                continue;
            };
            let Some(art) = t.text(art) else {
                continue;
            };
            a.impfungen.push(Impfung {
                art,
                ort: if self.rng.pm(700) {
                    t.text(self.rng.pick(tables::GESUNDHEIT_ORTE))
                } else {
                    None
                },
                datum: d,
            });
        }
    }

    fn integration(&mut self, t: &Tables, hh: &Household, m: &Member, p: &mut Person, r: i32) {
        let o = hh.o;
        let years = age(m.birth, r);
        let share = if years >= 16 {
            500
        } else if years >= 6 {
            250
        } else {
            0
        };
        if !self.rng.pm(share) {
            return;
        }
        let g = &mut p.integration;
        let since = r - m.arrival.unwrap_or(m.birth);
        let mut push = |sprache: &str, niveau: Option<Sprachniveau>| {
            if let Ok(sprache) = Sprache::parse(sprache)
                && !g.sprachkenntnisse.iter().any(|s| s.sprache == sprache)
            {
                g.sprachkenntnisse.push(Sprachkenntnis { sprache, niveau });
            }
        };
        let mother = self.rng.pick(o.languages);
        push(mother, Some(Sprachniveau::Muttersprache));
        if self.rng.pm(100) {
            push(
                self.rng.pick(o.languages),
                Some(Sprachniveau::Muttersprache),
            );
        }
        if m.arrival.is_some() && self.rng.pm(900) {
            use Sprachniveau as N;
            let levels: &[N] = if years < 16 {
                &[N::A2, N::B1, N::B2, N::C1]
            } else if since < YEAR {
                &[N::A1, N::A1, N::A2]
            } else if since < 3 * YEAR {
                &[N::A1, N::A2, N::A2, N::B1]
            } else {
                &[N::A2, N::B1, N::B1, N::B2, N::C1, N::C2]
            };
            let niveau = if self.rng.pm(900) {
                levels.get(self.rng.below(levels.len())).copied()
            } else {
                None
            };
            push("de", niveau);
        }
        if self.rng.pm(300) {
            use Sprachniveau as N;
            let niveau = [N::A1, N::A2, N::B1, N::B2, N::C1]
                .get(self.rng.below(5))
                .copied();
            push(self.rng.pick(tables::FREMDSPRACHEN), niveau);
        }
        if years < 16 {
            if self.rng.pm(700) {
                g.schulbildung = t.text(self.rng.pick(&tables::SCHULBILDUNG[..3]));
            }
            return;
        }
        if self.rng.pm(600) {
            g.schulbildung = t.text(self.rng.pick(tables::SCHULBILDUNG));
        }
        if years >= 20 && self.rng.pm(120) {
            g.studium = t.text(self.rng.pick(tables::STUDIUM));
        }
        if self.rng.pm(200) {
            g.berufsausbildung = t.text(self.rng.pick(tables::BERUFSAUSBILDUNG));
        }
        if self.rng.pm(450) {
            let (mb, fb) = self.rng.pick(tables::BERUFE);
            g.beruf = t.text(if m.sex == Geschlecht::Weiblich {
                fb
            } else {
                mb
            });
        }
        if self.rng.pm(300) {
            g.berufsbezogene_deutschsprachfoerderung = Some(self.rng.pm(600));
        }
    }
}

fn relation(a: Role, b: Role) -> Beziehung {
    use Role::*;
    match (a, b) {
        (Head, Spouse) | (Spouse, Head) => Beziehung::Ehegatte,
        (Head | Spouse, Child) => Beziehung::Kind,
        (Child, Head | Spouse) => Beziehung::Elternteil,
        (Child, Child) => Beziehung::Geschwister,
        (Head, Grandparent) => Beziehung::Elternteil,
        (Grandparent, Head) => Beziehung::Kind,
        (Head, Sibling) | (Sibling, Head) => Beziehung::Geschwister,
        _ => Beziehung::Sonstige,
    }
}

fn doc_number(rng: &mut Dice, art: Dokumentart) -> String {
    let pattern = match art {
        Dokumentart::Reisepass => ["A99999999", "AA9999999"][rng.below(2)],
        Dokumentart::Personalausweis => ["99999999999", "999-9999-9999"][rng.below(2)],
        Dokumentart::Passersatz => "AA9A99A99",
        Dokumentart::Geburtsurkunde => "9999-99999",
        Dokumentart::Heiratsurkunde => "99-9999",
        Dokumentart::Fuehrerschein => "A9999999",
        Dokumentart::Sonstiges => "AA-999999",
    };
    pattern
        .chars()
        .map(|c| match c {
            'A' => char::from(b'A' + rng.below(26) as u8),
            '9' => char::from(b'0' + rng.below(10) as u8),
            other => other,
        })
        .collect()
}

fn mail_local(vornamen: &str, familienname: Option<&str>, n: usize) -> String {
    let first = vornamen.split(' ').next().unwrap_or(vornamen);
    let mut s: String = crate::text::search_form(first)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(f) = familienname {
        let f: String = crate::text::search_form(f)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if !f.is_empty() {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(&f);
        }
    }
    if s.is_empty() {
        s.push_str("kontakt");
    }
    s.push_str(&n.to_string());
    s
}

// ------------------------------------------------------------- rendering

/// Vornamen as recorded: given name(s), and the father's name in a chain.
fn render_vornamen(
    t: &Tables,
    o: &Origin,
    n: &Names,
    given_salt: u32,
    fam_salt: u32,
) -> Cow<'static, str> {
    let given = t.spell(n.given, given_salt, o.variant);
    if n.second.is_none() && !n.chain {
        return Cow::Borrowed(given);
    }
    let mut s = String::with_capacity(32);
    s.push_str(given);
    if let Some(second) = n.second {
        s.push(' ');
        s.push_str(t.spell(second, given_salt.rotate_left(11), o.variant));
    }
    if n.chain {
        s.push(' ');
        s.push_str(t.spell(n.father, fam_salt, o.variant));
    }
    Cow::Owned(s)
}

/// Familienname as recorded, or `None` if the person has none.
fn render_family(
    t: &Tables,
    o: &Origin,
    n: &Names,
    female: bool,
    salt: u32,
) -> Option<Cow<'static, str>> {
    let table = |i: usize| -> &'static str {
        let forms = if female && !o.family_female.is_empty() {
            o.family_female
        } else {
            o.family
        };
        forms.get(i).copied().unwrap_or("")
    };
    let spell = |s: &'static str, k: u32| t.spell(s, salt.rotate_left(k), o.variant);
    Some(match n.fam {
        Fam::None => return None,
        Fam::Table(i) => Cow::Borrowed(spell(table(i), 0)),
        Fam::Father => Cow::Borrowed(spell(n.father, 0)),
        Fam::Grandfather => Cow::Borrowed(spell(n.grandfather, 7)),
        Fam::FatherGrandfather => Cow::Owned(format!(
            "{} {}",
            spell(n.father, 0),
            spell(n.grandfather, 7)
        )),
        Fam::Double(a, b) => Cow::Owned(format!("{} {}", spell(table(a), 0), spell(table(b), 7))),
    })
}

// ------------------------------------------------------------ variants

/// Remove diacritics (`german`: write ä, ö, ü as ae, oe, ue) and
/// apostrophe-like letters.
fn fold_diacritics(s: &str, german: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if german {
            let m = match c {
                'ä' => Some("ae"),
                'ö' => Some("oe"),
                'ü' => Some("ue"),
                'Ä' => Some("Ae"),
                'Ö' => Some("Oe"),
                'Ü' => Some("Ue"),
                _ => None,
            };
            if let Some(m) = m {
                out.push_str(m);
                continue;
            }
        }
        match c {
            'ı' => out.push('i'),
            'ʻ' | 'ʼ' | '’' | '\'' | '`' => {}
            _ => out.extend(
                std::iter::once(c)
                    .nfd()
                    .filter(|d| !('\u{0300}'..='\u{036F}').contains(d)),
            ),
        }
    }
    out
}

/// Without a leading Arabic article (`Al-`, `El-`, `Al `).
fn strip_article(s: &str) -> &str {
    for prefix in ["Al-", "El-", "Al ", "al-", "el-"] {
        if let Some(rest) = s.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return rest;
        }
    }
    s
}

/// Another spelling of `s`: a token (or run of tokens) replaced by another
/// member of its spelling group (`plain`: only by an ASCII spelling); else
/// without diacritics; else the article of an `Al-` name written
/// differently. `None` if none applies.
fn respell(rng: &mut Dice, t: &Tables, s: &str, plain: bool) -> Option<String> {
    let tokens: Vec<&str> = s.split(' ').collect();
    let mut candidates: Vec<(usize, usize, &'static [&'static str])> = Vec::new();
    for w in 1..=3.min(tokens.len()) {
        for i in 0..=tokens.len() - w {
            let key: Cow<str> = if w == 1 {
                Cow::Borrowed(tokens[i])
            } else {
                Cow::Owned(tokens[i..i + w].join(" "))
            };
            if let Some(g) = t.group(&key) {
                candidates.push((i, w, g));
            }
        }
    }
    if !candidates.is_empty() {
        let (i, w, g) = candidates[rng.below(candidates.len())];
        let current = tokens[i..i + w].join(" ");
        let others: Vec<&str> = g
            .iter()
            .copied()
            .filter(|x| *x != current && (!plain || x.is_ascii()))
            .collect();
        if !others.is_empty() {
            let replacement = others[rng.below(others.len())];
            let mut out: Vec<&str> = Vec::with_capacity(tokens.len());
            out.extend_from_slice(&tokens[..i]);
            out.push(replacement);
            out.extend_from_slice(&tokens[i + w..]);
            return Some(out.join(" "));
        }
    }
    let folded = fold_diacritics(s, rng.pm(300));
    if folded != s && !folded.trim().is_empty() {
        return Some(folded);
    }
    let stripped = strip_article(s);
    if stripped.len() != s.len() {
        let rest = stripped;
        let article = &s[..s.len() - rest.len()];
        let article = article.trim_end_matches(['-', ' ']);
        let options = [
            format!("{article} {rest}"),
            format!("{article}{}", rest.to_lowercase()),
            format!("El-{rest}"),
            rest.to_string(),
        ];
        let others: Vec<&String> = options.iter().filter(|x| x.as_str() != s).collect();
        if !others.is_empty() {
            return Some(others[rng.below(others.len())].clone());
        }
    }
    None
}

/// One change of the names for [`local_case_variant`]; false if the chosen
/// change does not apply.
fn apply_name_change(
    rng: &mut Dice,
    t: &Tables,
    vornamen: &mut Option<NamePart>,
    familienname: &mut Option<NamePart>,
) -> bool {
    let v = vornamen.as_ref().and_then(|p| p.wert()).map(str::to_string);
    let f = familienname
        .as_ref()
        .and_then(|p| p.wert())
        .map(str::to_string);
    let set = |target: &mut Option<NamePart>, s: &str| -> bool {
        match t.part(s) {
            Some(p) if Some(&p) != target.as_ref() => {
                *target = Some(p);
                true
            }
            _ => false,
        }
    };
    match rng.below(10) {
        // Another spelling of a given name.
        0..3 => v
            .and_then(|v| respell(rng, t, &v, true))
            .is_some_and(|x| set(vornamen, &x)),
        // Another spelling of the family name.
        3..6 => f
            .and_then(|f| respell(rng, t, &f, true))
            .is_some_and(|x| set(familienname, &x)),
        // Given and family name swapped.
        6 => match (v, f) {
            (Some(v), Some(f)) => set(vornamen, &f) && set(familienname, &v),
            _ => false,
        },
        // Name chain: split off the last given name as family name, or
        // drop the father's name from the Vornamen.
        7 => match (v, f) {
            (Some(v), None) => match v.rsplit_once(' ') {
                Some((first, last)) => set(vornamen, first) && set(familienname, last),
                None => false,
            },
            (Some(v), Some(_)) => match v.split_once(' ') {
                Some((first, _)) => set(vornamen, first),
                None => false,
            },
            _ => false,
        },
        // Without diacritics.
        8 => {
            let vf = v.map(|v| fold_diacritics(&v, rng.pm(500)));
            let ff = f.map(|f| fold_diacritics(&f, rng.pm(500)));
            let a = vf.is_some_and(|x| set(vornamen, &x));
            let b = ff.is_some_and(|x| set(familienname, &x));
            a || b
        }
        // Family name in capitals, as on many forms.
        _ => f.is_some_and(|f| set(familienname, &f.to_uppercase())),
    }
}

/// A coarser or mistyped birth date.
fn degrade_date(rng: &mut Dice, d: TeilbekanntesDatum) -> TeilbekanntesDatum {
    let TeilbekanntesDatum::JahrMonatTag(full) = d else {
        return match d.year() {
            Some(y) if rng.pm(300) => TeilbekanntesDatum::jahr(y.saturating_add(1)).unwrap_or(d),
            _ => d,
        };
    };
    let (y, m, day) = (full.year(), full.month(), full.day());
    let changed = match rng.below(5) {
        0 => TeilbekanntesDatum::jahr(y).ok(),
        1 => TeilbekanntesDatum::jahr_monat(y, m).ok(),
        2 => Datum::new(y, 1, 1)
            .ok()
            .map(TeilbekanntesDatum::JahrMonatTag),
        3 if day <= 12 && day != m => Datum::new(y, day, m)
            .ok()
            .map(TeilbekanntesDatum::JahrMonatTag),
        _ => Datum::new(y.saturating_sub(1), m, day.min(28))
            .ok()
            .map(TeilbekanntesDatum::JahrMonatTag),
    };
    changed.unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert!(
                o.family_female.is_empty() || o.family_female.len() == o.family.len(),
                "{}",
                o.code
            );
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

    #[test]
    fn respell_changes_known_names() {
        let t = tables();
        let mut rng = Dice::new(1);
        for s in [
            "Mohammed Ali",
            "Abd al-Rahman",
            "Çelik",
            "Al-Khatib",
            "Al-Hamoud",
        ] {
            let r = respell(&mut rng, t, s, false).expect(s);
            assert_ne!(r, s);
            assert!(Name::parse(&r).is_ok(), "{r}");
        }
        assert_eq!(respell(&mut rng, t, "Xyzzy", true), None);
        assert_eq!(fold_diacritics("Yılmaz Öztürk", true), "Yilmaz Oeztuerk");
        assert_eq!(fold_diacritics("ʻAbd ar-Raḥmān", false), "Abd ar-Rahman");
    }
}
