//! Person matching: find the records of a person from Grundpersonalien
//! that may be spelled differently, swapped, partial or outdated.
//!
//! Building blocks:
//!
//! - [`koelner_phonetik`]: the Kölner Phonetik (Cologne phonetic code) of a
//!   name, after folding it to the DIN 91379 search form;
//! - [`jaro_winkler`]: Jaro-Winkler similarity;
//! - a Fellegi-Sunter scoring model (as in Splink): every comparison falls
//!   into one level whose weight is the log2 Bayes factor `log2(m/u)`;
//!   the weights add up to [`Score::weight`], which a prior turns into a
//!   match probability. The levels and their m/u values are listed by
//!   [`comparison_levels`] and in `docs/matching.md`.
//!
//! A search prepares a [`Query`] (validated like a record), narrows the
//! candidates by [`query_blocking_keys`] against an index of
//! [`blocking_keys`], and orders them with [`rank`]. A record is scored on
//! its Grundpersonalien and on each of its other spellings, former names
//! and alias personal data; the best variant counts.
//!
//! [`Score::matched_on`] explains a score in fixed phrases (field and level,
//! never a value), so scores can be logged without personal data.
//!
//! ```
//! use fldm_core::ids::FldmId;
//! use fldm_core::matching::{Query, score};
//! use fldm_core::record::{NamePart, Person};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let name = |s: &str| NamePart::parse(s).map_err(|k| k.to_string());
//! let mut p = Person::new(FldmId::parse("p-1").map_err(|k| k.to_string())?);
//! p.grundpersonalien.familienname = Some(name("Yusuf")?);
//! p.grundpersonalien.vornamen = Some(name("Muhammad")?);
//! let q = Query::parse(Some("Jusuf"), Some("Mohammed"), Some("1990"), None, None)?;
//! let s = score(&q, &p);
//! assert!(s.weight > 0.0);
//! assert!(s.matched_on.contains(&"familienname: same Kölner Phonetik code"));
//! # Ok(()) }
//! ```

mod jaro;
mod koelner;
mod model;
mod names;

use serde::Serialize;

pub use jaro::{BOOST_THRESHOLD, MAX_PREFIX, PREFIX_SCALE, jaro, jaro_winkler};
pub use koelner::{koelner_phonetik, koelner_phonetik_raw, koelner_phonetik_words};
pub use model::{ComparisonLevel, SWAP_PENALTY, comparison_levels, weights_markdown};
pub use names::SIMILAR_THRESHOLD;

use crate::codes::{Geschlecht, Staatsangehoerigkeit};
use crate::date::TeilbekanntesDatum;
use crate::error::{ValidationError, ValidationKind};
use crate::record::{Name, NamePart, Namensvariante, Person};
use model::{DateLevel, GESCHLECHT, STAATSANGEHOERIGKEIT};
use names::{NameForm, NameLevel};

/// Prior probability that a query and one record picked at random are the
/// same person, used by [`score`] and [`rank`]: one in 10,000, the order of
/// the number of refugees a city's hub holds. Use [`Score::probability_for_prior`]
/// or [`rank_with_prior`] for another setting (e.g. pairwise de-duplication).
pub const DEFAULT_PRIOR: f64 = 1e-4;

/// A search by Grundpersonalien. Every part is optional, but a query needs
/// a name or a known birth date.
#[derive(Debug, Clone)]
pub struct Query {
    familienname: Option<Name>,
    vornamen: Option<Name>,
    geburtsdatum: Option<TeilbekanntesDatum>,
    geschlecht: Option<Geschlecht>,
    staatsangehoerigkeit: Option<Staatsangehoerigkeit>,
    family: Option<NameForm>,
    given: Option<NameForm>,
}

fn query_name(
    field: &str,
    value: Option<&str>,
) -> Result<(Option<Name>, Option<NameForm>), ValidationError> {
    let Some(value) = value else {
        return Ok((None, None));
    };
    let name = Name::parse(value).map_err(|k| ValidationError::new(field, k))?;
    let form = NameForm::new(name.as_str()).ok_or_else(|| {
        ValidationError::new(
            field,
            ValidationKind::Format {
                expected: "a name with at least one letter",
            },
        )
    })?;
    Ok((Some(name), Some(form)))
}

impl Query {
    /// A query from its parts. Names are checked like record names (NFC,
    /// DIN 91379, at most 200 characters) and must contain a letter; errors
    /// name the field (`familienname`, `vornamen`). A query without any
    /// name and without a known birth date is an error for field `query`.
    pub fn new(
        familienname: Option<&str>,
        vornamen: Option<&str>,
        geburtsdatum: Option<TeilbekanntesDatum>,
        geschlecht: Option<Geschlecht>,
        staatsangehoerigkeit: Option<Staatsangehoerigkeit>,
    ) -> Result<Query, ValidationError> {
        let (familienname, family) = query_name("familienname", familienname)?;
        let (vornamen, given) = query_name("vornamen", vornamen)?;
        if family.is_none() && given.is_none() && geburtsdatum.and_then(|d| d.year()).is_none() {
            return Err(ValidationError::new(
                "query",
                ValidationKind::Other(
                    "a query needs familienname, vornamen or a known geburtsdatum".to_string(),
                ),
            ));
        }
        Ok(Query {
            familienname,
            vornamen,
            geburtsdatum,
            geschlecht,
            staatsangehoerigkeit,
            family,
            given,
        })
    }

    /// A query from text as it arrives in a request: dates as
    /// `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `unbekannt`, gender as its code
    /// (`m`, `w`, `x`, `d`), nationality as a DESTATIS code. Errors name
    /// the field.
    pub fn parse(
        familienname: Option<&str>,
        vornamen: Option<&str>,
        geburtsdatum: Option<&str>,
        geschlecht: Option<&str>,
        staatsangehoerigkeit: Option<&str>,
    ) -> Result<Query, ValidationError> {
        let geburtsdatum = geburtsdatum
            .map(TeilbekanntesDatum::parse)
            .transpose()
            .map_err(|k| ValidationError::new("geburtsdatum", k))?;
        let geschlecht = geschlecht
            .map(Geschlecht::parse)
            .transpose()
            .map_err(|k| ValidationError::new("geschlecht", k))?;
        let staatsangehoerigkeit = staatsangehoerigkeit
            .map(Staatsangehoerigkeit::parse)
            .transpose()
            .map_err(|k| ValidationError::new("staatsangehoerigkeit", k))?;
        Query::new(
            familienname,
            vornamen,
            geburtsdatum,
            geschlecht,
            staatsangehoerigkeit,
        )
    }

    /// The query that looks for other records of `person` (for
    /// de-duplication and case linking): its Grundpersonalien, with its
    /// first nationality.
    pub fn from_person(person: &Person) -> Result<Query, ValidationError> {
        let g = &person.grundpersonalien;
        Query::new(
            g.familienname.as_ref().and_then(NamePart::wert),
            g.vornamen.as_ref().and_then(NamePart::wert),
            g.geburtsdatum,
            g.geschlecht,
            g.staatsangehoerigkeiten.first().copied(),
        )
    }

    /// Familienname, as given (NFC).
    pub fn familienname(&self) -> Option<&str> {
        self.familienname.as_ref().map(Name::as_str)
    }
    /// Vornamen, as given (NFC).
    pub fn vornamen(&self) -> Option<&str> {
        self.vornamen.as_ref().map(Name::as_str)
    }
    /// Geburtsdatum.
    pub fn geburtsdatum(&self) -> Option<TeilbekanntesDatum> {
        self.geburtsdatum
    }
    /// Geschlecht.
    pub fn geschlecht(&self) -> Option<Geschlecht> {
        self.geschlecht
    }
    /// Staatsangehörigkeit.
    pub fn staatsangehoerigkeit(&self) -> Option<Staatsangehoerigkeit> {
        self.staatsangehoerigkeit
    }
}

/// The result of comparing a query with a record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Score {
    /// Sum of the level weights: the log2 Bayes factor for "same person".
    pub weight: f64,
    /// Match probability for [`DEFAULT_PRIOR`] (or the prior given to
    /// [`rank_with_prior`]).
    pub probability: f64,
    /// What agreed, in fixed phrases (no values), in a fixed order: the
    /// names (or their crosswise reading), birth date, gender, nationality,
    /// then the record variant that matched best, if not the
    /// Grundpersonalien.
    pub matched_on: Vec<&'static str>,
}

impl Score {
    /// The match probability for another prior.
    pub fn probability_for_prior(&self, prior: f64) -> f64 {
        probability(self.weight, prior)
    }
}

/// Turn a log2 Bayes factor into a probability given a prior probability
/// of a match (0 < prior < 1; outside that range the prior itself, clamped
/// to 0 or 1, is returned).
pub fn probability(weight: f64, prior: f64) -> f64 {
    if prior.is_nan() || prior <= 0.0 {
        return 0.0;
    }
    if prior >= 1.0 {
        return 1.0;
    }
    let log_odds = weight + (prior / (1.0 - prior)).log2();
    1.0 / (1.0 + (-log_odds).exp2())
}

/// Where a variant of a record comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Grundpersonalien,
    Geburtsname,
    FamiliennameNachDeutschemRecht,
    AndereSchreibweise,
    FruehererName,
    Alias,
}

impl Source {
    fn label(self) -> Option<&'static str> {
        Some(match self {
            Source::Grundpersonalien => return None,
            Source::Geburtsname => "via grundpersonalien.geburtsname",
            Source::FamiliennameNachDeutschemRecht => {
                "via grundpersonalien.familienname_nach_deutschem_recht"
            }
            Source::AndereSchreibweise => "via weitere_personalien.andere_schreibweisen",
            Source::FruehererName => "via weitere_personalien.fruehere_namen",
            Source::Alias => "via weitere_personalien.aliaspersonalien",
        })
    }
}

/// One set of names (and birth date) under which a record may be found.
#[derive(Debug, Clone)]
struct Variant {
    source: Source,
    family: Option<usize>,
    given: Option<usize>,
    date: Option<TeilbekanntesDatum>,
}

/// A record prepared for scoring: its name variants folded and coded once.
/// A store may keep these next to its records to score repeated searches
/// without preparing the names again.
#[derive(Debug, Clone)]
pub struct PreparedPerson {
    forms: Vec<NameForm>,
    variants: Vec<Variant>,
    geschlecht: Option<Geschlecht>,
    staatsangehoerigkeiten: Vec<Staatsangehoerigkeit>,
}

impl PreparedPerson {
    /// Prepare `person`.
    pub fn new(person: &Person) -> PreparedPerson {
        let g = &person.grundpersonalien;
        let w = &person.weitere_personalien;
        let mut forms: Vec<NameForm> = Vec::new();
        let mut add = |part: Option<&NamePart>| -> Option<usize> {
            let form = NameForm::new(part?.wert()?)?;
            if let Some(i) = forms.iter().position(|f| f.compact == form.compact) {
                return Some(i);
            }
            forms.push(form);
            Some(forms.len() - 1)
        };
        let family = add(g.familienname.as_ref());
        let given = add(g.vornamen.as_ref());
        let date = g.geburtsdatum;
        let mut variants = vec![Variant {
            source: Source::Grundpersonalien,
            family,
            given,
            date,
        }];
        for (source, part) in [
            (Source::Geburtsname, g.geburtsname.as_ref()),
            (
                Source::FamiliennameNachDeutschemRecht,
                g.familienname_nach_deutschem_recht.as_ref(),
            ),
        ] {
            if let Some(i) = add(part) {
                variants.push(Variant {
                    source,
                    family: Some(i),
                    given,
                    date,
                });
            }
        }
        // A variant that leaves a part out keeps the record's; one that says
        // "nicht vorhanden" has none.
        let mut resolve = |part: Option<&NamePart>, own: Option<usize>| match part {
            None => own,
            Some(p) => add(Some(p)),
        };
        type Named<'a> = (
            Source,
            Option<&'a NamePart>,
            Option<&'a NamePart>,
            Option<TeilbekanntesDatum>,
        );
        fn names(source: Source, list: &[Namensvariante]) -> impl Iterator<Item = Named<'_>> {
            list.iter()
                .map(move |v| (source, v.familienname.as_ref(), v.vornamen.as_ref(), None))
        }
        let aliases = w.aliaspersonalien.iter().map(|a| {
            let (f, v) = (a.familienname.as_ref(), a.vornamen.as_ref());
            (Source::Alias, f, v, a.geburtsdatum)
        });
        let named = names(Source::AndereSchreibweise, &w.andere_schreibweisen)
            .chain(names(Source::FruehererName, &w.fruehere_namen))
            .chain(aliases);
        for (source, f, v, d) in named {
            let variant = Variant {
                source,
                family: resolve(f, family),
                given: resolve(v, given),
                date: d.or(date),
            };
            let same_as_main =
                variant.family == family && variant.given == given && variant.date == date;
            if !same_as_main {
                variants.push(variant);
            }
        }
        PreparedPerson {
            forms,
            variants,
            geschlecht: g.geschlecht,
            staatsangehoerigkeiten: g.staatsangehoerigkeiten.clone(),
        }
    }

    fn form(&self, i: Option<usize>) -> Option<&NameForm> {
        i.and_then(|i| self.forms.get(i))
    }

    /// The blocking keys of this record (see [`blocking_keys`]).
    pub fn blocking_keys(&self) -> Vec<String> {
        let mut keys = Vec::new();
        let mut years: Vec<u16> = self
            .variants
            .iter()
            .filter_map(|v| v.date.and_then(|d| d.year()))
            .collect();
        years.sort_unstable();
        years.dedup();
        for y in &years {
            keys.push(format!("y:{y:04}"));
        }
        for f in &self.forms {
            for c in f.key_codes() {
                keys.push(format!("n:{c}"));
                for y in &years {
                    keys.push(format!("ny:{c}:{y:04}"));
                }
            }
        }
        for v in &self.variants {
            if let (Some(f), Some(g)) = (self.form(v.family), self.form(v.given)) {
                pair_keys(f, g, &mut keys);
            }
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

fn pair_keys(a: &NameForm, b: &NameForm, keys: &mut Vec<String>) {
    for x in a.key_codes() {
        for y in b.key_codes() {
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            keys.push(format!("nn:{lo}:{hi}"));
        }
    }
}

/// Keys under which a store indexes `person` for candidate search.
///
/// Keys are text of four kinds: `n:<code>` (Kölner Phonetik of a name word,
/// or of a whole multi-word name), `nn:<code>:<code>` (a family-name code
/// with a given-name code of the same variant, in sorted order, so that
/// swapped names share it), `ny:<code>:<year>` (a name code with a birth
/// year) and `y:<year>`. All name variants of the record contribute. A
/// record is a candidate for a query when it has at least one of
/// [`query_blocking_keys`].
pub fn blocking_keys(person: &Person) -> Vec<String> {
    PreparedPerson::new(person).blocking_keys()
}

/// The keys to look up for `query`, chosen to be selective: with family
/// name and given names, the name pairs (`nn:`) and, if the birth year is
/// known, each name code with that year and the years either side (`ny:`,
/// for a year off by one); with one name field, name with year (likewise),
/// or the name codes (`n:`) without a year; without names, the birth year
/// (`y:`).
pub fn query_blocking_keys(query: &Query) -> Vec<String> {
    let mut keys = Vec::new();
    let year = query.geburtsdatum.and_then(|d| d.year());
    let forms = [query.family.as_ref(), query.given.as_ref()];
    if let [Some(f), Some(g)] = forms {
        pair_keys(f, g, &mut keys);
    }
    let both = forms.iter().all(Option::is_some);
    for form in forms.into_iter().flatten() {
        for c in form.key_codes() {
            match year {
                Some(y) => {
                    for y in y.saturating_sub(1)..=y.saturating_add(1) {
                        keys.push(format!("ny:{c}:{y:04}"));
                    }
                }
                None if !both => keys.push(format!("n:{c}")),
                None => {}
            }
        }
    }
    if let (true, Some(y)) = (forms.iter().all(Option::is_none), year) {
        keys.push(format!("y:{y:04}"));
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// How the query's names were paired with a variant's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assignment {
    Direct,
    Swapped,
    Chain,
}

#[derive(Debug, Clone, Copy)]
struct Names {
    assignment: Assignment,
    family: Option<NameLevel>,
    given: Option<NameLevel>,
    weight: f64,
}

impl Names {
    /// A reading with its weight: the weights of its levels, less the
    /// penalty for each field a crosswise reading pairs with the other.
    fn new(assignment: Assignment, family: Option<NameLevel>, given: Option<NameLevel>) -> Names {
        let levels =
            family.map_or(0.0, model::family_weight) + given.map_or(0.0, model::given_weight);
        let weight = match assignment {
            Assignment::Swapped => levels - 2.0 * SWAP_PENALTY,
            Assignment::Direct | Assignment::Chain => levels,
        };
        Names {
            assignment,
            family,
            given,
            weight,
        }
    }
}

fn direct_level(
    q: &NameForm,
    own: Option<&NameForm>,
    other: Option<&NameForm>,
) -> Option<NameLevel> {
    let crosswise = || other.is_some_and(|o| names::overlap(&q.tokens, &o.tokens));
    match own {
        Some(r) => {
            let l = names::compare(q, r);
            Some(if l == NameLevel::Different && crosswise() {
                NameLevel::TokenOverlap
            } else {
                l
            })
        }
        None => crosswise().then_some(NameLevel::TokenOverlap),
    }
}

/// The word lists of the fields that are present, without allocation.
fn present_tokens(fields: [Option<&NameForm>; 2]) -> ([&[names::Token]; 2], usize) {
    let mut out: [&[names::Token]; 2] = [&[], &[]];
    let mut n = 0;
    for f in fields.into_iter().flatten() {
        out[n] = &f.tokens;
        n += 1;
    }
    (out, n)
}

fn compare_names(q: &Query, family: Option<&NameForm>, given: Option<&NameForm>) -> Names {
    let fl = q
        .family
        .as_ref()
        .and_then(|qf| direct_level(qf, family, given));
    let gl = q
        .given
        .as_ref()
        .and_then(|qg| direct_level(qg, given, family));
    let mut best = Names::new(Assignment::Direct, fl, gl);
    // The crosswise readings cannot beat a direct one that is already at
    // least as strong as their best case.
    let exact = Some(NameLevel::Exact);
    if best.weight >= Names::new(Assignment::Swapped, exact, exact).weight {
        return best;
    }
    if let (Some(qf), Some(qg), Some(rf), Some(rg)) = (&q.family, &q.given, family, given) {
        let sf = names::compare(qf, rg);
        let sg = names::compare(qg, rf);
        if sf.is_strong() && sg.is_strong() {
            let swapped = Names::new(Assignment::Swapped, Some(sf), Some(sg));
            if swapped.weight > best.weight {
                best = swapped;
            }
        }
    }
    // The name chain reading: all words of both sides pair up, but not field
    // by field. Also for a side with one field only (no family name).
    let similar = Some(NameLevel::Similar);
    if Names::new(Assignment::Chain, similar, similar).weight > best.weight {
        let (qa, qn) = present_tokens([q.family.as_ref(), q.given.as_ref()]);
        let (ra, rn) = present_tokens([family, given]);
        if let Some(exact) = names::same_chain(&qa[..qn], &ra[..rn]) {
            let level = if exact {
                NameLevel::Similar
            } else {
                NameLevel::Phonetic
            };
            let chain = Names::new(Assignment::Chain, Some(level), Some(level));
            if chain.weight > best.weight {
                best = chain;
            }
        }
    }
    best
}

/// The evaluation of a query against a prepared record, before labels.
#[derive(Debug, Clone, Copy)]
struct Evaluation {
    source: Source,
    names: Names,
    date: Option<DateLevel>,
    gender: Option<bool>,
    nationality: Option<bool>,
    weight: f64,
}

fn evaluate(q: &Query, p: &PreparedPerson) -> Evaluation {
    let mut best: Option<(Source, Names, Option<DateLevel>, f64)> = None;
    for v in &p.variants {
        let nm = compare_names(q, p.form(v.family), p.form(v.given));
        let date = match (&q.geburtsdatum, &v.date) {
            (Some(a), Some(b)) => model::compare_dates(a, b),
            _ => None,
        };
        let w = nm.weight + date.map_or(0.0, DateLevel::weight);
        if best.as_ref().is_none_or(|b| w > b.3) {
            best = Some((v.source, nm, date, w));
        }
    }
    let (source, names, date, mut weight) = best.unwrap_or((
        Source::Grundpersonalien,
        Names {
            assignment: Assignment::Direct,
            family: None,
            given: None,
            weight: 0.0,
        },
        None,
        0.0,
    ));
    let gender = match (q.geschlecht, p.geschlecht) {
        (Some(a), Some(b)) => model::compare_gender(a, b),
        _ => None,
    };
    if let Some(same) = gender {
        weight += GESCHLECHT[usize::from(!same)].weight();
    }
    let nationality = q
        .staatsangehoerigkeit
        .as_ref()
        .and_then(|s| model::compare_nationality(s, &p.staatsangehoerigkeiten));
    if let Some(shared) = nationality {
        weight += STAATSANGEHOERIGKEIT[usize::from(!shared)].weight();
    }
    Evaluation {
        source,
        names,
        date,
        gender,
        nationality,
        weight,
    }
}

fn family_label(l: NameLevel) -> Option<&'static str> {
    Some(match l {
        NameLevel::Exact => "familienname: exact",
        NameLevel::Similar => "familienname: similar spelling (Jaro-Winkler)",
        NameLevel::Phonetic => "familienname: same Kölner Phonetik code",
        NameLevel::TokenOverlap => "familienname: a name part in common",
        NameLevel::Different => return None,
    })
}

fn given_label(l: NameLevel) -> Option<&'static str> {
    Some(match l {
        NameLevel::Exact => "vornamen: exact",
        NameLevel::Similar => "vornamen: similar spelling (Jaro-Winkler)",
        NameLevel::Phonetic => "vornamen: same Kölner Phonetik code",
        NameLevel::TokenOverlap => "vornamen: a name part in common",
        NameLevel::Different => return None,
    })
}

impl Evaluation {
    fn into_score(self, prior: f64) -> Score {
        let mut matched_on: Vec<&'static str> = Vec::with_capacity(6);
        match self.names.assignment {
            Assignment::Direct => {
                matched_on.extend(self.names.family.and_then(family_label));
                matched_on.extend(self.names.given.and_then(given_label));
            }
            Assignment::Swapped => matched_on.push("familienname and vornamen swapped"),
            Assignment::Chain => {
                matched_on.push("name parts split differently between familienname and vornamen")
            }
        }
        matched_on.extend(self.date.and_then(DateLevel::label));
        if self.gender == Some(true) {
            matched_on.push("geschlecht: same");
        }
        if self.nationality == Some(true) {
            matched_on.push("staatsangehoerigkeit: in common");
        }
        if !matched_on.is_empty() {
            matched_on.extend(self.source.label());
        }
        Score {
            weight: self.weight,
            probability: probability(self.weight, prior),
            matched_on,
        }
    }
}

/// Score `person` against `query` with [`DEFAULT_PRIOR`].
pub fn score(query: &Query, person: &Person) -> Score {
    score_prepared(query, &PreparedPerson::new(person))
}

/// Score a prepared record against `query` with [`DEFAULT_PRIOR`].
pub fn score_prepared(query: &Query, person: &PreparedPerson) -> Score {
    evaluate(query, person).into_score(DEFAULT_PRIOR)
}

/// The best candidates for `query` among `persons`: at most `limit` pairs
/// of (position in `persons`, score) with probability at least
/// `min_probability` (for [`DEFAULT_PRIOR`]), highest weight first (ties:
/// lower position first).
pub fn rank<'a>(
    query: &Query,
    persons: impl IntoIterator<Item = &'a Person>,
    min_probability: f64,
    limit: usize,
) -> Vec<(usize, Score)> {
    rank_with_prior(query, persons, min_probability, limit, DEFAULT_PRIOR)
}

/// As [`rank`], with another prior.
pub fn rank_with_prior<'a>(
    query: &Query,
    persons: impl IntoIterator<Item = &'a Person>,
    min_probability: f64,
    limit: usize,
    prior: f64,
) -> Vec<(usize, Score)> {
    let mut hits: Vec<(usize, Evaluation)> = persons
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i, evaluate(query, &PreparedPerson::new(p))))
        .filter(|(_, e)| probability(e.weight, prior) >= min_probability)
        .collect();
    hits.sort_by(|a, b| b.1.weight.total_cmp(&a.1.weight).then(a.0.cmp(&b.0)));
    hits.truncate(limit);
    hits.into_iter()
        .map(|(i, e)| (i, e.into_score(prior)))
        .collect()
}
