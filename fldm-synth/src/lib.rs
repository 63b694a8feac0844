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
//!   ([`NamePart::NichtVorhanden`](fldm_core::record::NamePart::NichtVorhanden), Afghanistan, Eritrea, Somalia); two
//!   family names (Colombia); female forms of family names (Ukraine,
//!   Russia); a wife taking her husband's name with her own as Geburtsname
//!   (Turkey, Ukraine, Georgia, Russia, Nigeria). Recorded spellings vary
//!   (Mohammed / Muhammad / Mohamed / Mohamad / Muhammed, Hussein / Husain,
//!   Yusuf / Jusuf, Abd al-Rahman / Abdulrahman, Shevchenko /
//!   Schewtschenko, Çelik / Celik, José / Jose) and other spellings, swapped
//!   given and family names and scholarly transliterations with diacritics
//!   (Muḥammad, Ševčenko) appear in `weitere_personalien`. Every name passes
//!   the DIN 91379 check of [`fldm_core::text`].
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

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]

mod asyl;
mod cache;
mod days;
mod dice;
mod household;
mod names;
mod person;
mod render;
mod tables;
mod variants;

use std::collections::VecDeque;

use fldm_core::record::Person;

use dice::Dice;
use names::SPELLING_GROUPS;

pub use variants::local_case_variant;

/// The date the population describes (`YYYY-MM-DD`): no event lies after it.
pub const REFERENCE_DATE: &str = "2026-06-30";
/// [`REFERENCE_DATE`] as year, month and day.
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
    cache::tables()
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
