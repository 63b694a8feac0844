//! Text values: Unicode NFC on input, DIN 91379 character checks, and the
//! DIN 91379-style search form used for matching.
//!
//! DIN 91379 (characters and sequences for the electronic exchange of names
//! in Europe) defines the normative Latin letters (data type "A" for names of
//! persons) and the permitted non-letters. The check here admits:
//!
//! - letters from Basic Latin, Latin-1 Supplement, Latin Extended-A,
//!   Latin Extended-B, the two IPA letters DIN 91379 uses (ə U+0259,
//!   ʒ U+0292) and Latin Extended Additional;
//! - combining diacritical marks (U+0300-U+036F) only directly after such a
//!   letter or another combining mark (the standard's combining sequences);
//! - for names: space, apostrophe forms (' ’ ʼ ʻ `), hyphen, full stop and
//!   comma, and the spacing accents DIN 91379 lists (´ ¨ ˆ ˜ ˇ);
//! - for general text (addresses, places, free text): additionally digits
//!   and the common punctuation of data type "C" (see [`TextKind::General`]).
//!
//! The Latin Extended-B block is admitted whole, although DIN 91379 lists
//! only part of it; this is a documented superset. Greek and Cyrillic,
//! which DIN 91379 permits only in its non-normative extended sets, are
//! rejected, as are all control characters.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::error::{ValidationError, ValidationKind};

/// Which set of characters a text field admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Names of persons (DIN 91379 data type A): letters and a few separators.
    Name,
    /// Places, streets, authorities, free text (data type C): names plus
    /// digits and common punctuation.
    General,
}

/// Default maximum length of a name part, in characters (after NFC).
pub const MAX_NAME_CHARS: usize = 200;
/// Default maximum length of a general text value, in characters.
pub const MAX_TEXT_CHARS: usize = 500;

/// Whether `c` is a DIN 91379 letter as admitted by this crate.
pub fn is_latin_letter(c: char) -> bool {
    let u = c as u32;
    c.is_ascii_alphabetic()
        || (0xC0..=0xFF).contains(&u) && u != 0xD7 && u != 0xF7
        || (0x0100..=0x024F).contains(&u)
        || u == 0x0259
        || u == 0x0292
        || (0x1E00..=0x1EFF).contains(&u)
}

fn is_name_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\''
            | '\u{2019}'
            | '\u{02BC}'
            | '\u{02BB}'
            | '`'
            | '-'
            | '.'
            | ','
            | '\u{00B4}'
            | '\u{00A8}'
            | '\u{02C6}'
            | '\u{02DC}'
            | '\u{02C7}'
    )
}

fn is_general_extra(c: char) -> bool {
    c.is_ascii_digit()
        || matches!(
            c,
            '/' | '('
                | ')'
                | '&'
                | ':'
                | ';'
                | '+'
                | '#'
                | '!'
                | '?'
                | '"'
                | '%'
                | '*'
                | '='
                | '@'
                | '_'
                | '§'
                | 'º'
                | 'ª'
                | '°'
                | '€'
                | '\u{201E}'
                | '\u{201C}'
                | '\u{00AB}'
                | '\u{00BB}'
                | '\u{2013}'
        )
}

/// Normalise `input` to NFC and check it for `field`.
///
/// Leading and trailing white space is removed. Errors name `field`, never
/// the value.
pub fn clean(
    field: &str,
    input: &str,
    kind: TextKind,
    max_chars: usize,
) -> Result<String, ValidationError> {
    clean_kind(input, kind, max_chars).map_err(|k| ValidationError::new(field, k))
}

/// As [`clean`], returning only the kind of error (the caller knows the field).
pub fn clean_kind(input: &str, kind: TextKind, max_chars: usize) -> Result<String, ValidationKind> {
    // Control characters are reported before normalisation so that their
    // position refers to the input as given.
    if let Some(position) = input.chars().position(char::is_control) {
        return Err(ValidationKind::ControlCharacter { position });
    }
    let trimmed = input.trim();
    // Almost all input is already NFC (and most of it ASCII): the quick
    // check answers that without decomposing and recomposing every value.
    let s: String = match is_nfc_quick(trimmed.chars()) {
        IsNormalized::Yes => trimmed.to_owned(),
        IsNormalized::No | IsNormalized::Maybe => trimmed.nfc().collect(),
    };
    if s.is_empty() {
        return Err(ValidationKind::Empty);
    }
    if s.is_ascii() {
        return check_ascii(s, kind, max_chars);
    }
    let count = check_characters(&s, kind)?;
    if count > max_chars {
        return Err(ValidationKind::TooLong { max: max_chars });
    }
    Ok(s)
}

/// [`clean_kind`]'s character check for ASCII text: one byte per
/// character, no combining marks; the same rules as the general loop.
fn check_ascii(s: String, kind: TextKind, max_chars: usize) -> Result<String, ValidationKind> {
    if let Some((position, b)) = s.bytes().enumerate().find(|&(_, b)| {
        let c = char::from(b);
        !(c.is_ascii_alphabetic()
            || is_name_separator(c)
            || (kind == TextKind::General && is_general_extra(c)))
    }) {
        return Err(ValidationKind::CharacterNotPermitted {
            position,
            codepoint: u32::from(b),
        });
    }
    if s.len() > max_chars {
        return Err(ValidationKind::TooLong { max: max_chars });
    }
    Ok(s)
}

/// The DIN 91379-style search form: upper-case A-Z and single spaces.
///
/// German umlauts and ß become AE, OE, UE, SS; ligatures and letters without
/// a decomposition are mapped to their usual Latin transcription (Æ -> AE,
/// Ø -> O, Ł -> L, Þ -> TH, Đ -> D, ...); all other diacritics are removed;
/// hyphens and spaces separate words; apostrophes and full stops vanish.
/// `search_form("Müller-Lüdenscheidt") == "MUELLER LUEDENSCHEIDT"`.
pub fn search_form(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    let push = |s: &str, out: &mut String, pending_space: &mut bool| {
        if *pending_space && !out.is_empty() {
            out.push(' ');
        }
        *pending_space = false;
        out.push_str(s);
    };
    for c in input.nfc() {
        let mapped: Option<&str> = match c {
            'ä' | 'Ä' => Some("AE"),
            'ö' | 'Ö' => Some("OE"),
            'ü' | 'Ü' => Some("UE"),
            'ß' | 'ẞ' => Some("SS"),
            'æ' | 'Æ' | 'ǽ' | 'Ǽ' | 'ǣ' | 'Ǣ' => Some("AE"),
            'œ' | 'Œ' => Some("OE"),
            'ø' | 'Ø' | 'ǿ' | 'Ǿ' => Some("O"),
            'ł' | 'Ł' => Some("L"),
            'þ' | 'Þ' => Some("TH"),
            'đ' | 'Đ' | 'ð' | 'Ð' => Some("D"),
            'ħ' | 'Ħ' => Some("H"),
            'ı' => Some("I"),
            'ĸ' => Some("K"),
            'ŋ' | 'Ŋ' => Some("N"),
            'ŧ' | 'Ŧ' => Some("T"),
            'ə' | 'Ə' => Some("A"),
            'ʒ' | 'Ʒ' => Some("Z"),
            'ĳ' | 'Ĳ' => Some("IJ"),
            'ŉ' => Some("N"),
            'ſ' => Some("S"),
            _ => None,
        };
        if let Some(m) = mapped {
            push(m, &mut out, &mut pending_space);
            continue;
        }
        if c.is_whitespace() || c == '-' || c == '\u{2013}' || c == ',' || c == '/' {
            pending_space = true;
            continue;
        }
        // Decompose and keep the ASCII letters of the decomposition.
        for d in c.to_string().nfd() {
            if d.is_ascii_alphabetic() {
                let up = d.to_ascii_uppercase();
                let mut buf = [0u8; 4];
                push(up.encode_utf8(&mut buf), &mut out, &mut pending_space);
            } else if d.is_ascii_digit() {
                let mut buf = [0u8; 4];
                push(d.encode_utf8(&mut buf), &mut out, &mut pending_space);
            }
        }
    }
    out
}

/// Check every character of the NFC text `s` against DIN 91379 (for
/// `kind`): a Latin letter, a name separator, for general text the extra
/// characters, or a combining mark U+0300-U+036F after a base letter.
/// Returns the number of characters.
fn check_characters(s: &str, kind: TextKind) -> Result<usize, ValidationKind> {
    let mut count = 0usize;
    let mut prev_base = false;
    for (position, c) in s.chars().enumerate() {
        count += 1;
        let ok = if is_combining_mark(c) {
            (0x0300..=0x036F).contains(&(c as u32)) && prev_base
        } else {
            is_latin_letter(c)
                || is_name_separator(c)
                || (kind == TextKind::General && is_general_extra(c))
        };
        if !ok {
            return Err(ValidationKind::CharacterNotPermitted {
                position,
                codepoint: c as u32,
            });
        }
        prev_base = is_latin_letter(c) || (is_combining_mark(c) && prev_base);
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// `clean_kind` as it is specified: normalise everything, then check
    /// every character. The fast paths (ASCII, the NFC quick check) must
    /// give the same answers.
    fn reference(input: &str, kind: TextKind, max_chars: usize) -> Result<String, ValidationKind> {
        if let Some(position) = input.chars().position(char::is_control) {
            return Err(ValidationKind::ControlCharacter { position });
        }
        let s: String = input.trim().nfc().collect();
        if s.is_empty() {
            return Err(ValidationKind::Empty);
        }
        check_characters(&s, kind)?;
        if s.chars().count() > max_chars {
            return Err(ValidationKind::TooLong { max: max_chars });
        }
        Ok(s)
    }

    fn text() -> impl Strategy<Value = String> {
        // ASCII, precomposed and decomposed Latin, combining marks, a few
        // characters outside DIN 91379, white space and a control character.
        let chars = prop::sample::select(vec![
            'a', 'Z', ' ', '-', '\'', '.', '1', '/', '@', '~', '^', 'ä', 'ß', 'Ł', 'ə', 'ǅ', 'Ḑ',
            '\u{0308}', '\u{0301}', '\u{0327}', '\u{0345}', '\u{20DD}', 'И', '€', '\u{00A0}', '\t',
            '\u{2019}', 'Å', '\u{212B}',
        ]);
        prop::collection::vec(chars, 0..24).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn fast_paths_agree_with_the_reference(s in text(), max in 1usize..20) {
            for kind in [TextKind::Name, TextKind::General] {
                prop_assert_eq!(clean_kind(&s, kind, max), reference(&s, kind, max));
            }
        }
    }

    #[test]
    fn nfc_on_input() {
        let nfd = "Mu\u{0308}ller";
        let s = clean("f", nfd, TextKind::Name, 50).expect("valid");
        assert_eq!(s, "Müller");
        assert_eq!(s.chars().count(), 6);
    }

    #[test]
    fn rejects_cyrillic_and_control() {
        let e = clean(
            "grundpersonalien.familienname",
            "Иванов",
            TextKind::Name,
            50,
        )
        .expect_err("must fail");
        assert_eq!(e.field, "grundpersonalien.familienname");
        assert!(matches!(
            e.kind,
            ValidationKind::CharacterNotPermitted {
                position: 0,
                codepoint: 0x418
            }
        ));
        let e = clean("x", "Ab\u{0007}c", TextKind::Name, 50).expect_err("must fail");
        assert_eq!(e.kind, ValidationKind::ControlCharacter { position: 2 });
        let e = clean("x", "Ab\u{0085}c", TextKind::Name, 50).expect_err("must fail");
        assert_eq!(e.kind, ValidationKind::ControlCharacter { position: 2 });
    }

    #[test]
    fn digits_only_in_general_text() {
        assert!(clean("x", "Straße 12", TextKind::Name, 50).is_err());
        assert_eq!(
            clean("x", "Straße 12a", TextKind::General, 50).expect("ok"),
            "Straße 12a"
        );
    }

    #[test]
    fn combining_mark_needs_base() {
        assert!(clean("x", "\u{0301}a", TextKind::Name, 50).is_err());
        // A combining sequence without precomposed form stays valid (L + combining dot below + macron).
        assert!(clean("x", "L\u{0323}\u{0304}", TextKind::Name, 50).is_ok());
    }

    #[test]
    fn too_long_and_empty() {
        assert_eq!(
            clean_kind("  ", TextKind::Name, 5),
            Err(ValidationKind::Empty)
        );
        assert_eq!(
            clean_kind("abcdef", TextKind::Name, 5),
            Err(ValidationKind::TooLong { max: 5 })
        );
    }

    #[test]
    fn search_forms() {
        assert_eq!(search_form("Müller-Lüdenscheidt"), "MUELLER LUEDENSCHEIDT");
        assert_eq!(search_form("Mu\u{0308}ller"), "MUELLER");
        assert_eq!(search_form("Çelik"), "CELIK");
        assert_eq!(search_form("Øster  Łódź"), "OSTER LODZ");
        assert_eq!(search_form("Abd al-Rahman"), "ABD AL RAHMAN");
        assert_eq!(search_form("O'Neill"), "ONEILL");
        assert_eq!(search_form("Straße"), "STRASSE");
    }
}
