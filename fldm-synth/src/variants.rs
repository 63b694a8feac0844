//! Other spellings of names and coarser birth dates: the variants a
//! department's own records hold, and the other spellings of a hub record.

use std::borrow::Cow;

use fldm_core::date::{Datum, TeilbekanntesDatum};
use fldm_core::record::{Anschrift, NamePart, Person};
use unicode_normalization::UnicodeNormalization;

use crate::cache::{Tables, tables};
use crate::dice::{Dice, fnv1a};

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

/// Remove diacritics (`german`: write ä, ö, ü as ae, oe, ue) and
/// apostrophe-like letters.
pub(crate) fn fold_diacritics(s: &str, german: bool) -> String {
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
pub(crate) fn strip_article(s: &str) -> &str {
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
pub(crate) fn respell(rng: &mut Dice, t: &Tables, s: &str, plain: bool) -> Option<String> {
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
    use fldm_core::record::Name;

    use super::*;

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
