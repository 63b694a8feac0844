//! Shared proptest strategies for integration tests: arbitrary *valid*
//! records covering every field of the Kerndatensatz.
//!
//! Use from a test file with `mod support;` and `support::arb_person()`.
//! Values are built to satisfy the model's rules and then passed through
//! the model's own constructors (`Name::parse`, `Datum::new`, ...), so a
//! change of the rules that makes a generated value invalid fails loudly.

#![allow(dead_code)]

use proptest::prelude::*;
use proptest::sample::{select, subsequence};

use fldm_core::codes::{
    self, Aufenthaltsstatus, Beziehung, Bundesland, Dokumentart, Familienstand, Geschlecht,
    Sprachniveau, Staatsangehoerigkeit,
};
use fldm_core::date::{Datum, TeilbekanntesDatum};
use fldm_core::ids::{Aktenzeichen, AzrNummer, FldmId};
use fldm_core::record::{
    Aliaspersonalie, Anschrift, Anschriften, Asyl, Aufenthalt, Dokumentnummer, Email,
    Familienangehoeriger, Gesundheitsuntersuchung, Grundpersonalien, Identitaetsdokument, Impfung,
    Integration, Kontakt, Name, NamePart, Namensvariante, Person, Postleitzahl, Sprache,
    Sprachkenntnis, Telefon, Text, WeiterePersonalien, Zustaendigkeit,
};

// -- characters -------------------------------------------------------------

/// Letters of the DIN 91379 normative Latin set: ASCII, German umlauts,
/// Latin-1, Latin Extended-A/B, IPA ə ʒ and Latin Extended Additional.
fn arb_letter() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::char::range('a', 'z'),
        2 => prop::char::range('A', 'Z'),
        2 => select(vec!['ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü', 'ß']),
        1 => prop::char::range('\u{C0}', '\u{FF}')
            .prop_filter("letter", |c| *c != '\u{D7}' && *c != '\u{F7}'),
        1 => prop::char::range('\u{100}', '\u{24F}'),
        1 => select(vec!['\u{259}', '\u{292}']),
        1 => prop::char::range('\u{1E00}', '\u{1EFF}'),
    ]
}

/// A letter, sometimes followed by one or two combining diacritical marks
/// (e.g. `L` + U+0323 + U+0304, a sequence without a precomposed form).
fn arb_letter_unit() -> impl Strategy<Value = String> {
    (
        arb_letter(),
        prop::collection::vec(prop::char::range('\u{300}', '\u{36F}'), 0..=2),
        0u8..5,
    )
        .prop_map(|(base, marks, p)| {
            let mut s = String::new();
            s.push(base);
            // Combining marks on one letter in five.
            if p == 0 {
                s.extend(marks);
            }
            s
        })
}

fn arb_word() -> impl Strategy<Value = String> {
    prop::collection::vec(arb_letter_unit(), 1..=10).prop_map(|v| v.concat())
}

fn arb_name_separator() -> impl Strategy<Value = &'static str> {
    select(vec![
        " ", " ", "-", "'", "\u{2019}", "\u{2BC}", ". ", ", ", "`", "\u{B4}",
    ])
}

/// A name string valid for [`Name`]: words of letters (with umlauts,
/// diacritics and combining sequences) joined by name separators.
pub fn arb_name_string() -> impl Strategy<Value = String> {
    (
        arb_word(),
        prop::collection::vec((arb_name_separator(), arb_word()), 0..=3),
    )
        .prop_map(|(first, rest)| {
            let mut s = first;
            for (sep, w) in rest {
                s.push_str(sep);
                s.push_str(&w);
            }
            s
        })
}

pub fn arb_name() -> impl Strategy<Value = Name> {
    arb_name_string().prop_map(|s| Name::parse(&s).expect("generated name is valid"))
}

pub fn arb_name_part() -> impl Strategy<Value = NamePart> {
    prop_oneof![
        6 => arb_name().prop_map(NamePart::Wert),
        1 => Just(NamePart::NichtVorhanden),
    ]
}

/// General text: names plus digits and punctuation, including characters
/// that need escaping in XML (`&`, quotes).
pub fn arb_text() -> impl Strategy<Value = Text> {
    let extra = select(vec![
        " 12",
        " 3a",
        "/",
        " (",
        ") ",
        " & ",
        ": ",
        "; ",
        "+",
        " #4",
        "!",
        "?",
        "\"",
        "%",
        "*",
        "=",
        "@",
        "_",
        " § 5",
        "º",
        "ª",
        "°",
        " €",
        " \u{201E}",
        "\u{201C}",
        "«",
        "»",
        " \u{2013} ",
    ]);
    (
        arb_word(),
        prop::collection::vec(
            (prop::option::of(extra), arb_name_separator(), arb_word()),
            0..=3,
        ),
    )
        .prop_map(|(first, rest)| {
            let mut s = first;
            for (x, sep, w) in rest {
                if let Some(x) = x {
                    s.push_str(x);
                }
                s.push_str(sep);
                s.push_str(&w);
            }
            Text::parse(&s).expect("generated text is valid")
        })
}

// -- identifiers, dates, codes ----------------------------------------------

pub fn arb_fldm_id() -> impl Strategy<Value = FldmId> {
    "[A-Za-z0-9._-]{1,64}".prop_map(|s| FldmId::parse(&s).expect("generated FLDM id is valid"))
}

pub fn arb_aktenzeichen() -> impl Strategy<Value = Aktenzeichen> {
    "[A-Z]{2,4}-[0-9]{1,6}(/[0-9]{2})?( [a-z]{1,3})?"
        .prop_map(|s| Aktenzeichen::parse(&s).expect("generated Aktenzeichen is valid"))
}

/// An arbitrary valid AZR-Nummer.
pub fn arb_azr_nummer() -> impl Strategy<Value = AzrNummer> {
    (0u8..100, 1u8..=12, 1u8..=31, 0u32..1_000_000)
        .prop_filter_map("calendar date", |(yy, mm, dd, n)| {
            AzrNummer::parse(&format!("{yy:02}{mm:02}{dd:02}{n:06}")).ok()
        })
}

pub fn arb_datum() -> impl Strategy<Value = Datum> {
    (
        fldm_core::date::MIN_YEAR..=fldm_core::date::MAX_YEAR,
        1u8..=12,
        1u8..=31,
    )
        .prop_map(|(y, m, d)| {
            // Clamp the day into the month rather than reject.
            let mut d = d;
            loop {
                if let Ok(x) = Datum::new(y, m, d) {
                    return x;
                }
                d -= 1;
            }
        })
}

pub fn arb_teil_datum() -> impl Strategy<Value = TeilbekanntesDatum> {
    prop_oneof![
        3 => arb_datum().prop_map(TeilbekanntesDatum::JahrMonatTag),
        1 => (fldm_core::date::MIN_YEAR..=fldm_core::date::MAX_YEAR, 1u8..=12)
            .prop_map(|(y, m)| TeilbekanntesDatum::jahr_monat(y, m).expect("valid year-month")),
        1 => (fldm_core::date::MIN_YEAR..=fldm_core::date::MAX_YEAR)
            .prop_map(|y| TeilbekanntesDatum::jahr(y).expect("valid year")),
        1 => Just(TeilbekanntesDatum::Unbekannt),
    ]
}

fn builtin_codes() -> Vec<String> {
    codes::builtin_staatsangehoerigkeit()
        .entries
        .iter()
        .map(|e| e.code.clone())
        .collect()
}

pub fn arb_staat() -> impl Strategy<Value = Staatsangehoerigkeit> {
    select(builtin_codes())
        .prop_map(|c| Staatsangehoerigkeit::parse(&c).expect("code from the built-in list"))
}

/// 0 to 4 distinct nationalities from the built-in list.
pub fn arb_staatsangehoerigkeiten() -> impl Strategy<Value = Vec<Staatsangehoerigkeit>> {
    subsequence(builtin_codes(), 0..=4)
        .prop_shuffle()
        .prop_map(|v| {
            v.iter()
                .map(|c| Staatsangehoerigkeit::parse(c).expect("code from the built-in list"))
                .collect()
        })
}

pub fn arb_geschlecht() -> impl Strategy<Value = Geschlecht> {
    select(Geschlecht::ALL.to_vec())
}

macro_rules! arb_code_enum {
    ($f:ident, $t:ty) => {
        pub fn $f() -> impl Strategy<Value = $t> {
            select(<$t>::ALL.to_vec())
        }
    };
}
arb_code_enum!(arb_familienstand, Familienstand);
arb_code_enum!(arb_aufenthaltsstatus, Aufenthaltsstatus);
arb_code_enum!(arb_dokumentart, Dokumentart);
arb_code_enum!(arb_beziehung, Beziehung);
arb_code_enum!(arb_sprachniveau, Sprachniveau);
arb_code_enum!(arb_bundesland, Bundesland);

pub fn arb_postleitzahl() -> impl Strategy<Value = Postleitzahl> {
    "[0-9]{5}".prop_map(|s| Postleitzahl::parse(&s).expect("5 digits"))
}

pub fn arb_telefon() -> impl Strategy<Value = Telefon> {
    r"\+?[0-9 /-]{1,28}[0-9]".prop_filter_map("telephone rules", |s| Telefon::parse(&s).ok())
}

pub fn arb_email() -> impl Strategy<Value = Email> {
    "[a-z0-9._%+-]{1,20}@[a-z0-9-]{1,15}\\.[a-z]{2,6}"
        .prop_map(|s| Email::parse(&s).expect("generated e-mail is valid"))
}

pub fn arb_sprache() -> impl Strategy<Value = Sprache> {
    "[a-z]{2,3}".prop_map(|s| Sprache::parse(&s).expect("ISO 639 shape"))
}

pub fn arb_dokumentnummer() -> impl Strategy<Value = Dokumentnummer> {
    "[A-Z0-9-]{1,40}".prop_map(|s| Dokumentnummer::parse(&s).expect("document number shape"))
}

// -- record parts -----------------------------------------------------------

fn opt<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(s)
}

fn list<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Vec<T>> {
    prop::collection::vec(s, 0..=3)
}

pub fn arb_grundpersonalien() -> impl Strategy<Value = Grundpersonalien> {
    (
        (
            opt(arb_name_part()),
            opt(arb_name_part()),
            opt(arb_name_part()),
            opt(arb_name_part()),
            opt(arb_teil_datum()),
            opt(arb_text()),
        ),
        (
            opt(arb_staat()),
            opt(arb_text()),
            opt(arb_geschlecht()),
            opt(arb_name()),
            arb_staatsangehoerigkeiten(),
        ),
    )
        .prop_map(
            |((fam, geb, vor, fdr, gd, gort), (gland, gbez, gs, dr, st))| Grundpersonalien {
                familienname: fam,
                geburtsname: geb,
                vornamen: vor,
                familienname_nach_deutschem_recht: fdr,
                geburtsdatum: gd,
                geburtsort: gort,
                geburtsland: gland,
                geburtsbezirk: gbez,
                geschlecht: gs,
                doktorgrad: dr,
                staatsangehoerigkeiten: st,
            },
        )
}

pub fn arb_namensvariante() -> impl Strategy<Value = Namensvariante> {
    (opt(arb_name_part()), opt(arb_name_part())).prop_map(|(familienname, vornamen)| {
        Namensvariante {
            familienname,
            vornamen,
        }
    })
}

pub fn arb_weitere_personalien() -> impl Strategy<Value = WeiterePersonalien> {
    let alias = (
        opt(arb_name_part()),
        opt(arb_name_part()),
        opt(arb_teil_datum()),
    )
        .prop_map(|(familienname, vornamen, geburtsdatum)| Aliaspersonalie {
            familienname,
            vornamen,
            geburtsdatum,
        });
    let dokument = (
        arb_dokumentart(),
        arb_dokumentnummer(),
        opt(arb_staat()),
        opt(arb_datum()),
    )
        .prop_map(
            |(art, nummer, ausstellungsstaat, gueltig_bis)| Identitaetsdokument {
                art,
                nummer,
                ausstellungsstaat,
                gueltig_bis,
            },
        );
    (
        list(arb_namensvariante()),
        list(arb_namensvariante()),
        list(alias),
        opt(arb_familienstand()),
        list(dokument),
        opt(arb_text()),
    )
        .prop_map(
            |(andere, frueher, alias, fs, doks, rel)| WeiterePersonalien {
                andere_schreibweisen: andere,
                fruehere_namen: frueher,
                aliaspersonalien: alias,
                familienstand: fs,
                identitaetsdokumente: doks,
                religion: rel,
            },
        )
}

pub fn arb_anschrift() -> impl Strategy<Value = Anschrift> {
    (
        opt(arb_text()),
        opt(arb_text()),
        opt(arb_text()),
        opt(arb_postleitzahl()),
        opt(arb_text()),
        opt(arb_datum()),
        opt(arb_datum()),
    )
        .prop_map(
            |(strasse, hausnummer, zusatz, postleitzahl, ort, einzugsdatum, auszugsdatum)| {
                Anschrift {
                    strasse,
                    hausnummer,
                    zusatz,
                    postleitzahl,
                    ort,
                    einzugsdatum,
                    auszugsdatum,
                }
            },
        )
}

pub fn arb_anschriften() -> impl Strategy<Value = Anschriften> {
    (opt(arb_anschrift()), list(arb_anschrift()))
        .prop_map(|(aktuell, fruehere)| Anschriften { aktuell, fruehere })
}

pub fn arb_aufenthalt() -> impl Strategy<Value = Aufenthalt> {
    (
        opt(arb_datum()),
        opt(arb_datum()),
        opt(arb_aufenthaltsstatus()),
        opt(arb_datum()),
    )
        .prop_map(
            |(einreisedatum, ausreisedatum, aufenthaltsstatus, sterbedatum)| Aufenthalt {
                einreisedatum,
                ausreisedatum,
                aufenthaltsstatus,
                sterbedatum,
            },
        )
}

/// A family member: linked by id, by name, or both (never neither).
pub fn arb_familienangehoeriger() -> impl Strategy<Value = Familienangehoeriger> {
    (
        arb_beziehung(),
        opt(arb_fldm_id()),
        opt(arb_name_part()),
        opt(arb_name_part()),
        arb_fldm_id(),
    )
        .prop_map(|(beziehung, fldm_id, familienname, vornamen, fallback)| {
            let fldm_id = if fldm_id.is_none() && familienname.is_none() && vornamen.is_none() {
                Some(fallback)
            } else {
                fldm_id
            };
            Familienangehoeriger {
                beziehung,
                fldm_id,
                familienname,
                vornamen,
            }
        })
}

pub fn arb_asyl() -> impl Strategy<Value = Asyl> {
    let zust = (
        opt(arb_bundesland()),
        opt(arb_text()),
        opt(arb_text()),
        opt(arb_text()),
    )
        .prop_map(
            |(bundesland, aufnahmeeinrichtung, auslaenderbehoerde, jugendamt)| Zustaendigkeit {
                bundesland,
                aufnahmeeinrichtung,
                auslaenderbehoerde,
                jugendamt,
            },
        );
    let kontakt = (opt(arb_telefon()), opt(arb_email()))
        .prop_map(|(telefon, email)| Kontakt { telefon, email });
    let gu = (arb_datum(), opt(arb_text()), opt(any::<bool>())).prop_map(|(datum, ort, u)| {
        Gesundheitsuntersuchung {
            datum,
            ort,
            unbedenklich_fuer_gemeinschaftsunterkunft: u,
        }
    });
    let impfung = (arb_text(), opt(arb_text()), arb_datum())
        .prop_map(|(art, ort, datum)| Impfung { art, ort, datum });
    (
        list(arb_familienangehoeriger()),
        opt(arb_staat()),
        opt(zust),
        opt(kontakt),
        opt(gu),
        list(impfung),
    )
        .prop_map(|(fa, sde, z, k, g, i)| Asyl {
            familienangehoerige: fa,
            staat_direkte_einreise: sde,
            zustaendigkeit: z,
            kontakt: k,
            gesundheitsuntersuchung: g,
            impfungen: i,
        })
}

pub fn arb_integration() -> impl Strategy<Value = Integration> {
    let sk = (arb_sprache(), opt(arb_sprachniveau()))
        .prop_map(|(sprache, niveau)| Sprachkenntnis { sprache, niveau });
    (
        opt(arb_text()),
        opt(arb_text()),
        opt(arb_text()),
        opt(arb_text()),
        list(sk),
        opt(any::<bool>()),
    )
        .prop_map(
            |(schule, studium, ausbildung, beruf, sk, bdf)| Integration {
                schulbildung: schule,
                studium,
                berufsausbildung: ausbildung,
                beruf,
                sprachkenntnisse: sk,
                berufsbezogene_deutschsprachfoerderung: bdf,
            },
        )
}

/// An arbitrary valid record. Every section is present in most cases, and
/// every optional field is set about half of the time.
pub fn arb_person() -> impl Strategy<Value = Person> {
    (
        arb_fldm_id(),
        opt(arb_azr_nummer()),
        opt(arb_aktenzeichen()),
        arb_grundpersonalien(),
        arb_weitere_personalien(),
        arb_anschriften(),
        arb_aufenthalt(),
        arb_asyl(),
        arb_integration(),
    )
        .prop_map(|(id, azr, az, g, w, an, au, asyl, integ)| {
            let p = Person {
                fldm_id: id,
                azr_nummer: azr,
                aktenzeichen: az,
                grundpersonalien: g,
                weitere_personalien: w,
                anschrift: an,
                aufenthalt: au,
                asyl,
                integration: integ,
            };
            p.validate().expect("generated person is valid");
            p
        })
}

/// Draw `n` records from [`arb_person`] with a fixed seed (for tests that
/// need a batch rather than a property).
pub fn sample_persons(n: usize, seed: u64) -> Vec<Person> {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let mut seed_bytes = [0u8; 32];
    seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes),
    );
    let strategy = arb_person();
    (0..n)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("strategy produces a value")
                .current()
        })
        .collect()
}
