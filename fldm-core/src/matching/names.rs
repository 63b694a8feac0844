//! Names prepared for comparison: search form, Kölner Phonetik codes, and
//! the comparison levels of one name field against another.

use super::jaro::{MAX_PREFIX, PREFIX_SCALE, jaro_winkler_bytes};
use super::koelner::encode_folded_into;
use crate::text::search_form;

/// Jaro-Winkler similarity from which two names count as "similar".
pub const SIMILAR_THRESHOLD: f64 = 0.92;

/// Name particles that carry little evidence on their own: they are
/// ignored as tokens (they still count in the whole name).
const PARTICLES: &[&str] = &[
    "AL", "EL", "UL", "AD", "AN", "AR", "AS", "ASH", "AT", "AZ", "ABU", "ABD", "BIN", "BINT",
    "BEN", "IBN", "BN", "VON", "VAN", "DER", "DEN", "DE", "DI", "DA", "DOS", "DAS", "DU", "LA",
    "LE", "ZU",
];

/// Spellings of one sound in different transcriptions of Cyrillic,
/// Arabic and Persian names that Kölner Phonetik codes differently,
/// replaced in this order on upper-case words before the second,
/// "transcription-folded" code of a name is taken: Dsch, Dzh, Dj → J
/// (Dschafari, Dzhafarov, Djamal / Jafari, Jamal); Tsch, Tch → Ch
/// (Schewtschenko / Shevchenko); Kh → H (Khalil / Halil); Th → S (Uthman /
/// Osman, Thuraya / Soraya).
const TRANSCRIPTIONS: &[(&str, &str)] = &[
    ("DSCH", "J"),
    ("DZH", "J"),
    ("DJ", "J"),
    ("TSCH", "CH"),
    ("TCH", "CH"),
    ("KH", "H"),
    ("TH", "S"),
];

/// The transcription-folded form of an upper-case word, if it differs:
/// the replacements of [`TRANSCRIPTIONS`]; then Ch at the start of the
/// word → H (Chalil / Khalil); then an H inside the word that does not
/// follow C, D, G, K, P, S, T or Z (and so is no part of Ch, Dh, Gh, Kh,
/// Ph, Sh, Th, Zh) → G, for the Ukrainian and Russian forms of one name
/// (Olha / Olga, Bohdan / Bogdan) and Russian Magomed for Muhammad.
fn transcribe(word: &str) -> Option<String> {
    let mut w = word.to_string();
    for (from, to) in TRANSCRIPTIONS {
        if w.contains(from) {
            w = w.replace(from, to);
        }
    }
    if let Some(rest) = w.strip_prefix("CH") {
        w = format!("H{rest}");
    }
    let mut bytes = w.into_bytes();
    for i in 1..bytes.len() {
        if bytes[i] == b'H'
            && !matches!(
                bytes[i - 1],
                b'C' | b'D' | b'G' | b'K' | b'P' | b'S' | b'T' | b'Z'
            )
        {
            bytes[i] = b'G';
        }
    }
    let w = String::from_utf8(bytes).ok()?;
    (w != word).then_some(w)
}

/// The Kölner Phonetik code of `word` (upper-case A-Z, other bytes
/// skipped) and, if the transcription folding changes the code, the code
/// of the folded word (else an empty string).
fn codes(word: &str, scratch: &mut Vec<u8>) -> (String, String) {
    let mut code = String::with_capacity(word.len());
    encode_folded_into(word.as_bytes(), scratch, &mut code);
    let mut folded = String::new();
    if let Some(w) = transcribe(word) {
        encode_folded_into(w.as_bytes(), scratch, &mut folded);
        if folded == code {
            folded.clear();
        }
    }
    (code, folded)
}

/// Whether two (code, folded code) pairs agree: the same Kölner Phonetik
/// code, or the same code after transcription folding on either side.
fn codes_agree(a: (&str, &str), b: (&str, &str)) -> bool {
    let fa = if a.1.is_empty() { a.0 } else { a.1 };
    let fb = if b.1.is_empty() { b.0 } else { b.1 };
    a.0 == b.0 || fa == fb
}

/// The search form of `name` ([`search_form`]), computed directly for
/// ASCII input (most names), where it only upper-cases letters, turns
/// white space, hyphens, commas and slashes into single spaces and drops
/// other characters.
fn fold(name: &str) -> String {
    if !name.is_ascii() {
        return search_form(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut pending_space = false;
    for b in name.bytes() {
        if char::from(b).is_whitespace() || matches!(b, b'-' | b',' | b'/') {
            pending_space = true;
        } else if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(char::from(b.to_ascii_uppercase()));
        }
    }
    out
}

/// One word of a name (not a particle, at least two letters).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) text: String,
    pub(crate) code: String,
    /// Code after transcription folding, if it differs from `code`.
    pub(crate) folded: String,
}

/// A name (family name or given names) prepared for comparison.
#[derive(Debug, Clone)]
pub(crate) struct NameForm {
    /// The letters of the search form, without spaces ("ALHASSAN").
    pub(crate) compact: String,
    /// Kölner Phonetik of `compact`.
    pub(crate) code: String,
    /// Code after transcription folding, if it differs from `code`.
    pub(crate) folded: String,
    /// Significant words with their codes.
    pub(crate) tokens: Vec<Token>,
}

impl NameForm {
    /// Prepare `name`; `None` if it has no letters.
    pub(crate) fn new(name: &str) -> Option<NameForm> {
        let full = fold(name);
        let compact: String = full
            .bytes()
            .filter(u8::is_ascii_uppercase)
            .map(char::from)
            .collect();
        if compact.is_empty() {
            return None;
        }
        let mut scratch = Vec::with_capacity(compact.len() * 2);
        let (code, folded) = codes(&compact, &mut scratch);
        let tokens = full
            .split(' ')
            .filter(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_uppercase()))
            .filter(|w| !PARTICLES.contains(w))
            .map(|w| {
                let (code, folded) = codes(w, &mut scratch);
                Token {
                    text: w.to_string(),
                    code,
                    folded,
                }
            })
            .collect();
        Some(NameForm {
            compact,
            code,
            folded,
            tokens,
        })
    }

    /// The phonetic codes used as blocking keys: each token's code (and
    /// folded code), and those of the whole name when it has more than one
    /// token or particles (so "Al-Hassan" and "Alhassan" share a key).
    pub(crate) fn key_codes(&self) -> impl Iterator<Item = &str> {
        let whole = (self.tokens.len() != 1 || self.tokens[0].text != self.compact)
            .then_some([self.code.as_str(), self.folded.as_str()]);
        self.tokens
            .iter()
            .flat_map(|t| [t.code.as_str(), t.folded.as_str()])
            .chain(whole.into_iter().flatten())
            .filter(|c| !c.is_empty())
    }
}

/// How well two name fields agree, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NameLevel {
    /// Same search form (ignoring spaces and hyphens).
    Exact = 0,
    /// Jaro-Winkler of the search forms at least [`SIMILAR_THRESHOLD`].
    Similar = 1,
    /// Same Kölner Phonetik code (also after transcription folding).
    Phonetic = 2,
    /// At least one word in common (exact, similar or same code).
    TokenOverlap = 3,
    /// None of the above.
    Different = 4,
}

impl NameLevel {
    /// Whether the level is one of the three strong ones.
    pub(crate) fn is_strong(self) -> bool {
        self <= NameLevel::Phonetic
    }
}

/// Whether Jaro-Winkler of `a` and `b` reaches [`SIMILAR_THRESHOLD`].
///
/// Skips the computation when the lengths alone rule it out: with at most
/// `min` matches, Jaro is at most `(2 + min/max) / 3`, and the prefix bonus
/// raises `j` to at most `0.6 j + 0.4`.
fn similar(a: &[u8], b: &[u8]) -> bool {
    let (short, long) = (a.len().min(b.len()) as f64, a.len().max(b.len()) as f64);
    if long == 0.0 {
        return true;
    }
    let jaro_bound = (2.0 + short / long) / 3.0;
    let bound = jaro_bound + MAX_PREFIX as f64 * PREFIX_SCALE * (1.0 - jaro_bound);
    bound >= SIMILAR_THRESHOLD && jaro_winkler_bytes(a, b) >= SIMILAR_THRESHOLD
}

fn tokens_match(a: &Token, b: &Token) -> bool {
    a.text == b.text
        || (a.code.len() >= 2 && codes_agree((&a.code, &a.folded), (&b.code, &b.folded)))
        || similar(a.text.as_bytes(), b.text.as_bytes())
}

/// Whether any token of `a` matches any token of `b`.
pub(crate) fn overlap(a: &[Token], b: &[Token]) -> bool {
    a.iter().any(|x| b.iter().any(|y| tokens_match(x, y)))
}

/// The level of `q` against `r` (without looking at other fields).
pub(crate) fn compare(q: &NameForm, r: &NameForm) -> NameLevel {
    if q.compact == r.compact {
        NameLevel::Exact
    } else if similar(q.compact.as_bytes(), r.compact.as_bytes()) {
        NameLevel::Similar
    } else if !q.code.is_empty() && codes_agree((&q.code, &q.folded), (&r.code, &r.folded)) {
        NameLevel::Phonetic
    } else if overlap(&q.tokens, &r.tokens) {
        NameLevel::TokenOverlap
    } else {
        NameLevel::Different
    }
}

/// How the words of `a` and of `b` (each one or more fields taken
/// together) pair one to one (greedily, exact matches first, at most 16
/// words): `None` if they do not, `Some(true)` if every pair is the same
/// word, `Some(false)` otherwise.
fn pairing(a: &[&[Token]], b: &[&[Token]]) -> Option<bool> {
    let n: usize = a.iter().map(|f| f.len()).sum();
    if n == 0 || n > 16 || n != b.iter().map(|f| f.len()).sum::<usize>() {
        return None;
    }
    let mut used = 0u16;
    let mut all_exact = true;
    for x in a.iter().flat_map(|f| f.iter()) {
        let candidates = || b.iter().flat_map(|f| f.iter()).enumerate();
        let exact = candidates().find(|(i, y)| used & (1 << i) == 0 && x.text == y.text);
        let found = exact.or_else(|| {
            all_exact = false;
            candidates().find(|(i, y)| used & (1 << i) == 0 && tokens_match(x, y))
        });
        used |= 1 << found?.0;
    }
    Some(all_exact)
}

/// Whether the words of the name fields of `a` (family name and/or given
/// names) pair up with those of `b`, but not field by field: the same name
/// chain split differently between family name and given names, or held in
/// one field on one side (a record without a family name). Needs at least
/// two words and a second field on one side. `Some(true)` if every pair is
/// the same word.
pub(crate) fn same_chain(a: &[&[Token]], b: &[&[Token]]) -> Option<bool> {
    if a.len() + b.len() < 3 {
        return None;
    }
    let all = pairing(a, b)?;
    let n: usize = a.iter().map(|f| f.len()).sum();
    let field_by_field = a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|(x, y)| pairing(&[x], &[y]).is_some());
    (n >= 2 && !field_by_field).then_some(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(s: &str) -> NameForm {
        NameForm::new(s).expect("letters")
    }

    #[test]
    fn levels() {
        assert_eq!(compare(&f("Al-Hassan"), &f("Alhassan")), NameLevel::Exact);
        assert_eq!(compare(&f("Müller"), &f("Mueller")), NameLevel::Exact);
        assert_eq!(compare(&f("Mohammed"), &f("Mohamed")), NameLevel::Similar);
        assert_eq!(compare(&f("Yusuf"), &f("Jusuf")), NameLevel::Phonetic);
        assert_eq!(
            compare(&f("Ahmad Karimi"), &f("Karimi")),
            NameLevel::TokenOverlap
        );
        assert_eq!(compare(&f("Schmidt"), &f("Nowak")), NameLevel::Different);
        assert!(NameForm::new("'").is_none());
    }

    #[test]
    fn particles_are_no_tokens() {
        let n = f("Abd al-Rahman");
        assert_eq!(n.tokens.len(), 1);
        // RAHMAN and ABDALRAHMAN, each with its folded code (RAGMAN).
        assert_eq!(n.key_codes().count(), 4);
        assert_eq!(f("Karimi").key_codes().count(), 1);
    }

    #[test]
    fn transcription_folding() {
        for (a, b) in [
            ("Shevchenko", "Schewtschenko"),
            ("Kharchenko", "Chartschenko"),
            ("Jafari", "Dschafari"),
            ("Jamal", "Djamal"),
            ("Polishchuk", "Polischtschuk"),
        ] {
            assert!(compare(&f(a), &f(b)) <= NameLevel::Phonetic, "{a} {b}");
            let (x, y) = (&f(a).tokens[0], &f(b).tokens[0]);
            assert_ne!(x.code, y.code, "{a} {b}");
            assert!(
                codes_agree((&x.code, &x.folded), (&y.code, &y.folded)),
                "{a} {b}"
            );
            assert!(
                f(a).key_codes().any(|x| f(b).key_codes().any(|y| x == y)),
                "{a} {b}"
            );
        }
        // Folding adds agreement, it never removes it.
        assert_eq!(compare(&f("Schuster"), &f("Tschuster")), NameLevel::Similar);
        assert!(codes_agree(("8", "4"), ("8", "")));
    }

    #[test]
    fn ascii_fold_is_the_search_form() {
        for s in [
            "Al-Hassan",
            " Abd  al-Rahman ",
            "O'Neill",
            "van der Berg, Jr.",
            "a/b",
            "x--y",
            "-lead",
            "trail-",
            "Mc`Donald",
            "A.B. C",
            "a\u{b}vt",
        ] {
            assert_eq!(fold(s), search_form(s), "{s:?}");
        }
        let all: String = (0u8..128).map(char::from).collect();
        assert_eq!(fold(&all), search_form(&all));
        // Every ASCII character between two letters.
        for c in (0u8..128).map(char::from) {
            let s = format!("a{c}b");
            assert_eq!(fold(&s), search_form(&s), "{s:?}");
        }
    }

    #[test]
    fn length_bound_agrees_with_jaro_winkler() {
        let words = [
            "A",
            "AB",
            "ALI",
            "ALIA",
            "ALIAA",
            "ALIAAA",
            "ALIAAAA",
            "MOHAMMED",
            "MOHAMMEDALI",
        ];
        for a in words {
            for b in words {
                let jw = jaro_winkler_bytes(a.as_bytes(), b.as_bytes());
                assert_eq!(
                    similar(a.as_bytes(), b.as_bytes()),
                    jw >= SIMILAR_THRESHOLD,
                    "{a} {b}"
                );
            }
        }
    }

    #[test]
    fn chains() {
        let a1 = f("Ahmad Mohammad");
        let a2 = f("Ali");
        let b1 = f("Ahmad");
        let b2 = f("Muhammad Ali");
        assert_eq!(
            same_chain(&[&a1.tokens, &a2.tokens], &[&b1.tokens, &b2.tokens]),
            Some(false)
        );
        let b3 = f("Mohammad Ali");
        assert_eq!(
            same_chain(&[&a1.tokens, &a2.tokens], &[&b1.tokens, &b3.tokens]),
            Some(true)
        );
        let c = f("Omar");
        assert_eq!(
            same_chain(&[&a1.tokens, &c.tokens], &[&b1.tokens, &b2.tokens]),
            None
        );
        // The same split is no chain reading.
        assert_eq!(
            same_chain(&[&a1.tokens, &a2.tokens], &[&a1.tokens, &a2.tokens]),
            None
        );
        let j = f("Jusuf");
        assert_eq!(
            same_chain(&[&j.tokens, &a2.tokens], &[&f("Yusuf").tokens, &a2.tokens]),
            None
        );
        // A record without family name holds the whole chain in its given names.
        let whole = f("Ali Ahmad Mohammad");
        assert_eq!(
            same_chain(&[&a2.tokens, &a1.tokens], &[&whole.tokens]),
            Some(true)
        );
        assert_eq!(same_chain(&[&whole.tokens], &[&whole.tokens]), None);
    }

    #[test]
    fn transcriptions() {
        assert_eq!(transcribe("OLHA").as_deref(), Some("OLGA"));
        assert_eq!(transcribe("CHALIL").as_deref(), Some("HALIL"));
        assert_eq!(transcribe("KHALIL").as_deref(), Some("HALIL"));
        assert_eq!(transcribe("UTHMAN").as_deref(), Some("USMAN"));
        assert_eq!(transcribe("SHAHEEN").as_deref(), Some("SHAGEEN"));
        assert_eq!(transcribe("HASSAN"), None);
        assert_eq!(transcribe("GHASSAN"), None);
        assert_eq!(transcribe("SHEVCHENKO"), None);
        for (a, b) in [
            ("Olha", "Olga"),
            ("Bohdan", "Bogdan"),
            ("Magomed", "Muhammad"),
            ("Khaled", "Halid"),
            ("Osman", "Uthman"),
            ("Soraya", "Thuraya"),
        ] {
            assert!(compare(&f(a), &f(b)) <= NameLevel::Phonetic, "{a} {b}");
        }
        let (h, g) = (&f("Hassan").tokens[0], &f("Ghassan").tokens[0]);
        assert!(!codes_agree((&h.code, &h.folded), (&g.code, &g.folded)));
    }
}
