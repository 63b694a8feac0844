//! The synthetic population: determinism, validity, families, shares.

use std::collections::{HashMap, HashSet};

use fldm_core::codes::{Beziehung, Geschlecht};
use fldm_core::date::{Datum, TeilbekanntesDatum};
use fldm_core::record::{Name, NamePart, Person};
use fldm_synth::{
    Population, REFERENCE_DATE, local_case_variant, name_table, population, spelling_variants,
};

const N: usize = 10_000;

fn persons() -> &'static [Person] {
    use std::sync::OnceLock;
    static P: OnceLock<Vec<Person>> = OnceLock::new();
    P.get_or_init(|| population(N, 42))
}

fn index_of(p: &Person) -> usize {
    p.fldm_id.as_str()[1..]
        .parse::<usize>()
        .expect("numeric id")
        - 1
}

fn share(count: usize) -> f64 {
    count as f64 / N as f64
}

#[test]
fn same_seed_same_population_other_seed_other_population() {
    let a = population(2_000, 7);
    let b = population(2_000, 7);
    assert_eq!(a, b);
    let c = population(2_000, 8);
    assert_ne!(a, c);
    let differing = a.iter().zip(&c).filter(|(x, y)| x != y).count();
    assert!(differing > 1_900, "only {differing} persons differ");
    // A prefix of the stream, however it is cut.
    assert_eq!(population(777, 7)[..], a[..777]);
    let streamed: Vec<Person> = Population::new(7).take(2_000).collect();
    assert_eq!(streamed, a);
}

#[test]
fn fixed_output_for_a_fixed_seed() {
    // Guards against accidental changes of the stream (and platform
    // dependence): the first persons of seed 1 are pinned by a digest of
    // their JSON form.
    let json: String = population(200, 1)
        .iter()
        .map(|p| serde_json::to_string(p).expect("json"))
        .collect::<Vec<_>>()
        .join("\n");
    let digest = json.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    assert_eq!(digest, PINNED_DIGEST, "digest {digest:#x}");
}

/// FNV-1a of the JSON lines of `population(200, 1)`. A deliberate change
/// of the generator changes the stream: update this value then, knowing
/// that stored test data and benchmark figures made with the old stream no
/// longer match.
const PINNED_DIGEST: u64 = 0x7640_f78c_5e98_59bc;

#[test]
fn every_person_validates_and_round_trips_through_json() {
    for p in persons() {
        p.validate()
            .unwrap_or_else(|e| panic!("{}: {e}", p.fldm_id));
        let text = serde_json::to_string(p).expect("serialise");
        let back: Person = serde_json::from_str(&text).expect("deserialise");
        assert_eq!(&back, p);
        let strict = fldm_core::codec::json::person_from_json(
            &text,
            fldm_core::codec::json::Strictness::Strict,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", p.fldm_id));
        assert_eq!(&strict, p);
    }
}

#[test]
fn ids_are_sequential_and_azr_numbers_unique() {
    let mut azr = HashSet::new();
    let reference = Datum::parse(REFERENCE_DATE).expect("reference date");
    let yymmdd_max = format!(
        "{:02}{:02}{:02}",
        reference.year() % 100,
        reference.month(),
        reference.day()
    );
    for (i, p) in persons().iter().enumerate() {
        assert_eq!(p.fldm_id.as_str(), format!("P{:09}", i + 1));
        if let Some(a) = &p.azr_nummer {
            assert!(azr.insert(a.as_str().to_string()), "duplicate AZR-Nummer");
            // Registration between 2013 and the reference date.
            let prefix = &a.as_str()[..6];
            assert!(
                prefix >= "130101" && prefix <= yymmdd_max.as_str(),
                "{prefix}"
            );
        }
    }
    assert!(share(azr.len()) > 0.9);
}

#[test]
fn family_links_point_back() {
    let all = persons();
    let by_id: HashMap<&str, &Person> = all.iter().map(|p| (p.fldm_id.as_str(), p)).collect();
    let mut linked = 0;
    let mut children_with_parent = 0;
    for p in all {
        for f in &p.asyl.familienangehoerige {
            let Some(id) = &f.fldm_id else {
                assert!(f.familienname.is_some() || f.vornamen.is_some());
                continue;
            };
            linked += 1;
            let Some(other) = by_id.get(id.as_str()) else {
                // Only the last household may be cut off.
                let target: usize = id.as_str()[1..].parse().expect("numeric id");
                assert!(
                    target > N && index_of(p) + 10 > N,
                    "{} links a missing record",
                    p.fldm_id
                );
                continue;
            };
            assert_ne!(id, &p.fldm_id, "self link");
            let back: Vec<_> = other
                .asyl
                .familienangehoerige
                .iter()
                .filter(|b| b.fldm_id.as_ref() == Some(&p.fldm_id))
                .collect();
            assert_eq!(
                back.len(),
                1,
                "{} -> {} has no single link back",
                p.fldm_id,
                id
            );
            let expected = match f.beziehung {
                Beziehung::Kind => Beziehung::Elternteil,
                Beziehung::Elternteil => Beziehung::Kind,
                other => other,
            };
            assert_eq!(back[0].beziehung, expected);
            // Members of a household are consecutive in the stream.
            assert!(index_of(p).abs_diff(index_of(other)) < 10);
            if f.beziehung == Beziehung::Elternteil {
                children_with_parent += 1;
            }
        }
    }
    assert!(linked > N / 2, "only {linked} links");
    assert!(
        children_with_parent > N / 10,
        "only {children_with_parent} parent links"
    );
}

#[test]
fn spouses_and_children_often_share_the_family_name() {
    let all = persons();
    let by_id: HashMap<&str, &Person> = all.iter().map(|p| (p.fldm_id.as_str(), p)).collect();
    let (mut same, mut total) = (0, 0);
    for p in all {
        for f in &p.asyl.familienangehoerige {
            if f.beziehung != Beziehung::Elternteil {
                continue;
            }
            let Some(parent) = f.fldm_id.as_ref().and_then(|id| by_id.get(id.as_str())) else {
                continue;
            };
            total += 1;
            if parent.grundpersonalien.familienname == p.grundpersonalien.familienname {
                same += 1;
            }
        }
    }
    let s = same as f64 / total as f64;
    assert!((0.4..0.98).contains(&s), "share {s}");
}

#[test]
fn birth_dates_are_partial_or_placeholders_in_plausible_shares() {
    let (mut placeholder, mut partial, mut unknown) = (0, 0, 0);
    let reference = Datum::parse(REFERENCE_DATE).expect("date");
    for p in persons() {
        let d = p.grundpersonalien.geburtsdatum.expect("birth date");
        if d.is_placeholder_01_01() {
            placeholder += 1;
        }
        match d {
            TeilbekanntesDatum::Jahr(_) | TeilbekanntesDatum::JahrMonat { .. } => partial += 1,
            TeilbekanntesDatum::Unbekannt => unknown += 1,
            TeilbekanntesDatum::JahrMonatTag(full) => assert!(full <= reference),
        }
        if let Some(y) = d.year() {
            assert!((1925..=2026).contains(&y), "{y}");
        }
    }
    assert!(
        (0.05..0.25).contains(&share(placeholder)),
        "placeholder {}",
        share(placeholder)
    );
    assert!(
        (0.02..0.15).contains(&share(partial)),
        "partial {}",
        share(partial)
    );
    assert!(
        unknown > 0 && share(unknown) < 0.02,
        "unknown {}",
        share(unknown)
    );
}

#[test]
fn genders_are_mostly_m_and_w_with_rare_x_and_d() {
    let mut count: HashMap<Geschlecht, usize> = HashMap::new();
    for p in persons() {
        *count
            .entry(p.grundpersonalien.geschlecht.expect("gender"))
            .or_default() += 1;
    }
    for g in Geschlecht::ALL {
        assert!(
            count.get(&g).copied().unwrap_or(0) > 0,
            "{} missing",
            g.as_str()
        );
    }
    assert!(share(count[&Geschlecht::Maennlich]) > 0.35);
    assert!(share(count[&Geschlecht::Weiblich]) > 0.35);
    assert!(share(count[&Geschlecht::KeineAngabe] + count[&Geschlecht::Divers]) < 0.03);
}

#[test]
fn origins_cover_the_main_countries() {
    let mut count: HashMap<String, usize> = HashMap::new();
    for p in persons() {
        let first = p
            .grundpersonalien
            .staatsangehoerigkeiten
            .first()
            .expect("nationality");
        *count.entry(first.as_str().to_string()).or_default() += 1;
    }
    for code in [
        "475", "166", "423", "438", "163", "439", "224", "273", "232", "430", "997", "998",
    ] {
        assert!(
            count.get(code).copied().unwrap_or(0) >= 30,
            "{code}: {:?}",
            count.get(code)
        );
    }
    // Syria and Ukraine are the two largest groups.
    let mut sizes: Vec<(usize, &str)> = count.iter().map(|(c, n)| (*n, c.as_str())).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let top: HashSet<&str> = sizes.iter().take(2).map(|(_, c)| *c).collect();
    assert_eq!(top, HashSet::from(["475", "166"]), "{sizes:?}");
}

fn name_parts(p: &Person) -> Vec<&NamePart> {
    let g = &p.grundpersonalien;
    let w = &p.weitere_personalien;
    let mut v: Vec<&NamePart> = [
        &g.familienname,
        &g.geburtsname,
        &g.vornamen,
        &g.familienname_nach_deutschem_recht,
    ]
    .into_iter()
    .flatten()
    .collect();
    for n in w.andere_schreibweisen.iter().chain(&w.fruehere_namen) {
        v.extend(n.familienname.iter().chain(&n.vornamen));
    }
    for a in &w.aliaspersonalien {
        v.extend(a.familienname.iter().chain(&a.vornamen));
    }
    for f in &p.asyl.familienangehoerige {
        v.extend(f.familienname.iter().chain(&f.vornamen));
    }
    v
}

#[test]
fn names_follow_din_91379_and_show_the_usual_variants() {
    // Every table entry, as written in the tables, is a valid NFC name.
    for s in name_table() {
        let n = Name::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(n.as_str(), s);
    }
    let mut first_given: HashSet<&str> = HashSet::new();
    let mut all_names: HashSet<&str> = HashSet::new();
    let mut nicht_vorhanden = 0;
    let mut swapped = 0;
    for p in persons() {
        let g = &p.grundpersonalien;
        if g.familienname == Some(NamePart::NichtVorhanden) {
            nicht_vorhanden += 1;
        }
        if let Some(v) = g.vornamen.as_ref().and_then(NamePart::wert) {
            first_given.insert(v.split(' ').next().expect("token"));
        }
        for part in name_parts(p) {
            if let Some(s) = part.wert() {
                // Still valid when checked again from the raw text.
                assert_eq!(Name::parse(s).expect("valid").as_str(), s);
                all_names.insert(s);
            }
        }
        for v in &p.weitere_personalien.andere_schreibweisen {
            if v.vornamen.is_some() && v.vornamen == g.familienname && v.familienname == g.vornamen
            {
                swapped += 1;
            }
        }
    }
    assert!(
        nicht_vorhanden > 50,
        "{nicht_vorhanden} without family name"
    );
    assert!(swapped > 10, "{swapped} swapped spellings");
    let mohammed = [
        "Mohammed", "Muhammad", "Mohamed", "Mohamad", "Muhammed", "Mohammad",
    ];
    let seen = mohammed
        .iter()
        .filter(|s| first_given.contains(**s))
        .count();
    assert!(seen >= 5, "only {seen} spellings of Mohammed");
    for s in ["Husain", "Jusuf", "Abdulrahman", "Abd al-Rahman"] {
        assert!(
            all_names
                .iter()
                .any(|n| n.split(' ').any(|t| t == s) || n.contains(s)),
            "{s}"
        );
    }
    // Diacritics appear, and nothing outside Latin script.
    assert!(
        all_names
            .iter()
            .any(|n| n.contains('ı') || n.contains('ş') || n.contains('é'))
    );
    assert!(
        all_names
            .iter()
            .any(|n| n.contains('ḥ') || n.contains('č') || n.contains('ā'))
    );
    assert!(all_names.iter().all(|n| {
        n.chars()
            .all(|c| (c as u32) < 0x0370 || (0x1E00..0x1F00).contains(&(c as u32)))
    }));
}

#[test]
fn addresses_are_in_cologne() {
    let mut current = 0;
    for p in persons() {
        if let Some(a) = &p.anschrift.aktuell {
            current += 1;
            assert_eq!(a.ort.as_ref().map(|o| o.as_str()), Some("Köln"));
            let plz: u32 = a
                .postleitzahl
                .as_ref()
                .expect("postcode")
                .as_str()
                .parse()
                .expect("digits");
            assert!((50667..=51149).contains(&plz), "{plz}");
            assert!(a.strasse.is_some() && a.hausnummer.is_some() && a.einzugsdatum.is_some());
            assert!(a.auszugsdatum.is_none());
        }
        for f in &p.anschrift.fruehere {
            assert!(f.auszugsdatum.is_some());
            assert!(f.einzugsdatum <= f.auszugsdatum);
        }
    }
    assert!(share(current) > 0.9);
}

#[test]
fn events_are_in_order() {
    let reference = Datum::parse(REFERENCE_DATE).expect("date");
    for p in persons() {
        let born = p
            .grundpersonalien
            .geburtsdatum
            .and_then(|d| d.year())
            .unwrap_or(1900);
        let a = &p.aufenthalt;
        for d in [a.einreisedatum, a.ausreisedatum, a.sterbedatum]
            .into_iter()
            .flatten()
        {
            assert!(d <= reference && d.year() >= born, "{}", p.fldm_id);
        }
        if let (Some(e), Some(x)) = (a.einreisedatum, a.ausreisedatum) {
            assert!(e < x);
        }
        if a.sterbedatum.is_some() {
            assert!(p.anschrift.aktuell.is_none());
        }
        // Born in Germany: no arrival, birth place in Germany.
        if p.grundpersonalien.geburtsland.map(|c| c.as_str() == "000") == Some(true) {
            assert!(a.einreisedatum.is_none());
        }
    }
}

#[test]
fn every_field_is_set_for_some_persons() {
    type Check = (&'static str, fn(&Person) -> bool);
    let checks: &[Check] = &[
        ("azr_nummer", |p| p.azr_nummer.is_some()),
        ("familienname", |p| {
            matches!(p.grundpersonalien.familienname, Some(NamePart::Wert(_)))
        }),
        ("familienname nicht vorhanden", |p| {
            p.grundpersonalien.familienname == Some(NamePart::NichtVorhanden)
        }),
        ("geburtsname", |p| p.grundpersonalien.geburtsname.is_some()),
        ("vornamen", |p| p.grundpersonalien.vornamen.is_some()),
        ("familienname_nach_deutschem_recht", |p| {
            p.grundpersonalien
                .familienname_nach_deutschem_recht
                .is_some()
        }),
        ("geburtsdatum", |p| {
            p.grundpersonalien.geburtsdatum.is_some()
        }),
        ("geburtsort", |p| p.grundpersonalien.geburtsort.is_some()),
        ("geburtsland", |p| p.grundpersonalien.geburtsland.is_some()),
        ("geburtsbezirk", |p| {
            p.grundpersonalien.geburtsbezirk.is_some()
        }),
        ("geschlecht", |p| p.grundpersonalien.geschlecht.is_some()),
        ("doktorgrad", |p| p.grundpersonalien.doktorgrad.is_some()),
        ("two nationalities", |p| {
            p.grundpersonalien.staatsangehoerigkeiten.len() >= 2
        }),
        ("andere_schreibweisen", |p| {
            !p.weitere_personalien.andere_schreibweisen.is_empty()
        }),
        ("fruehere_namen", |p| {
            !p.weitere_personalien.fruehere_namen.is_empty()
        }),
        ("aliaspersonalien", |p| {
            !p.weitere_personalien.aliaspersonalien.is_empty()
        }),
        ("alias geburtsdatum", |p| {
            p.weitere_personalien
                .aliaspersonalien
                .iter()
                .any(|a| a.geburtsdatum.is_some())
        }),
        ("familienstand", |p| {
            p.weitere_personalien.familienstand.is_some()
        }),
        ("identitaetsdokumente", |p| {
            !p.weitere_personalien.identitaetsdokumente.is_empty()
        }),
        ("dokument gueltig_bis", |p| {
            p.weitere_personalien
                .identitaetsdokumente
                .iter()
                .any(|d| d.gueltig_bis.is_some())
        }),
        ("dokument ausstellungsstaat", |p| {
            p.weitere_personalien
                .identitaetsdokumente
                .iter()
                .any(|d| d.ausstellungsstaat.is_some())
        }),
        ("religion", |p| p.weitere_personalien.religion.is_some()),
        ("anschrift aktuell", |p| p.anschrift.aktuell.is_some()),
        ("anschrift zusatz", |p| {
            p.anschrift
                .aktuell
                .as_ref()
                .is_some_and(|a| a.zusatz.is_some())
        }),
        ("anschrift fruehere", |p| !p.anschrift.fruehere.is_empty()),
        ("einreisedatum", |p| p.aufenthalt.einreisedatum.is_some()),
        ("ausreisedatum", |p| p.aufenthalt.ausreisedatum.is_some()),
        ("aufenthaltsstatus", |p| {
            p.aufenthalt.aufenthaltsstatus.is_some()
        }),
        ("sterbedatum", |p| p.aufenthalt.sterbedatum.is_some()),
        ("familienangehoerige linked", |p| {
            p.asyl
                .familienangehoerige
                .iter()
                .any(|f| f.fldm_id.is_some())
        }),
        ("familienangehoerige by name", |p| {
            p.asyl
                .familienangehoerige
                .iter()
                .any(|f| f.fldm_id.is_none())
        }),
        ("familienangehoerige linked with names", |p| {
            p.asyl
                .familienangehoerige
                .iter()
                .any(|f| f.fldm_id.is_some() && f.vornamen.is_some())
        }),
        ("staat_direkte_einreise", |p| {
            p.asyl.staat_direkte_einreise.is_some()
        }),
        ("bundesland", |p| {
            p.asyl
                .zustaendigkeit
                .as_ref()
                .is_some_and(|z| z.bundesland.is_some())
        }),
        ("aufnahmeeinrichtung", |p| {
            p.asyl
                .zustaendigkeit
                .as_ref()
                .is_some_and(|z| z.aufnahmeeinrichtung.is_some())
        }),
        ("auslaenderbehoerde", |p| {
            p.asyl
                .zustaendigkeit
                .as_ref()
                .is_some_and(|z| z.auslaenderbehoerde.is_some())
        }),
        ("jugendamt", |p| {
            p.asyl
                .zustaendigkeit
                .as_ref()
                .is_some_and(|z| z.jugendamt.is_some())
        }),
        ("telefon", |p| {
            p.asyl.kontakt.as_ref().is_some_and(|k| k.telefon.is_some())
        }),
        ("email", |p| {
            p.asyl.kontakt.as_ref().is_some_and(|k| k.email.is_some())
        }),
        ("gesundheitsuntersuchung", |p| {
            p.asyl.gesundheitsuntersuchung.is_some()
        }),
        ("gesundheitsuntersuchung ort", |p| {
            p.asyl
                .gesundheitsuntersuchung
                .as_ref()
                .is_some_and(|g| g.ort.is_some())
        }),
        ("unbedenklich", |p| {
            p.asyl
                .gesundheitsuntersuchung
                .as_ref()
                .is_some_and(|g| g.unbedenklich_fuer_gemeinschaftsunterkunft.is_some())
        }),
        ("impfungen", |p| !p.asyl.impfungen.is_empty()),
        ("impfung ort", |p| {
            p.asyl.impfungen.iter().any(|i| i.ort.is_some())
        }),
        ("schulbildung", |p| p.integration.schulbildung.is_some()),
        ("studium", |p| p.integration.studium.is_some()),
        ("berufsausbildung", |p| {
            p.integration.berufsausbildung.is_some()
        }),
        ("beruf", |p| p.integration.beruf.is_some()),
        ("sprachkenntnisse", |p| {
            !p.integration.sprachkenntnisse.is_empty()
        }),
        ("sprachniveau", |p| {
            p.integration
                .sprachkenntnisse
                .iter()
                .any(|s| s.niveau.is_some())
        }),
        ("sprache ohne niveau", |p| {
            p.integration
                .sprachkenntnisse
                .iter()
                .any(|s| s.niveau.is_none())
        }),
        ("berufsbezogene_deutschsprachfoerderung", |p| {
            p.integration
                .berufsbezogene_deutschsprachfoerderung
                .is_some()
        }),
    ];
    let all = persons();
    let missing: Vec<&str> = checks
        .iter()
        .filter(|(_, f)| !all.iter().any(f))
        .map(|(name, _)| *name)
        .collect();
    assert!(missing.is_empty(), "never set: {missing:?}");

    // Every code value of the enumerations used.
    use fldm_core::codes::{Aufenthaltsstatus, Dokumentart, Sprachniveau};
    let status: HashSet<_> = all
        .iter()
        .filter_map(|p| p.aufenthalt.aufenthaltsstatus)
        .collect();
    assert_eq!(status.len(), Aufenthaltsstatus::ALL.len(), "{status:?}");
    let docs: HashSet<_> = all
        .iter()
        .flat_map(|p| {
            p.weitere_personalien
                .identitaetsdokumente
                .iter()
                .map(|d| d.art)
        })
        .collect();
    assert_eq!(docs.len(), Dokumentart::ALL.len());
    let rel: HashSet<_> = all
        .iter()
        .flat_map(|p| p.asyl.familienangehoerige.iter().map(|f| f.beziehung))
        .collect();
    assert_eq!(rel.len(), Beziehung::ALL.len());
    let niveau: HashSet<_> = all
        .iter()
        .flat_map(|p| {
            p.integration
                .sprachkenntnisse
                .iter()
                .filter_map(|s| s.niveau)
        })
        .collect();
    assert_eq!(niveau.len(), Sprachniveau::ALL.len());
}

#[test]
fn spelling_variants_group_the_usual_transcriptions() {
    let m = spelling_variants("Muhammad");
    for s in ["Mohammed", "Muhammad", "Mohamed", "Mohamad", "Muhammed"] {
        assert!(m.contains(&s), "{s}");
    }
    assert!(spelling_variants("Husain").contains(&"Hussein"));
    assert!(spelling_variants("Jusuf").contains(&"Yusuf"));
    assert!(spelling_variants("Abdulrahman").contains(&"Abd al-Rahman"));
    assert!(spelling_variants("Schewtschenko").contains(&"Shevchenko"));
    assert!(spelling_variants("Müller").is_empty());
}

#[test]
fn local_case_variants_differ_plausibly() {
    let hub = &persons()[..2_000];
    let mut changed_names = 0;
    let mut changed_dates = 0;
    for p in hub {
        let v = local_case_variant(p, 99);
        assert_eq!(v, local_case_variant(p, 99), "deterministic");
        v.validate().expect("valid");
        assert_eq!(v.fldm_id, p.fldm_id);
        let (g, h) = (&v.grundpersonalien, &p.grundpersonalien);
        assert_eq!(g.geschlecht, h.geschlecht);
        assert_eq!(g.staatsangehoerigkeiten, h.staatsangehoerigkeiten);
        // Only the housing office's identifying attributes.
        assert!(v.azr_nummer.is_none() && g.geburtsort.is_none() && g.doktorgrad.is_none());
        assert!(v.weitere_personalien.is_empty() && v.asyl.is_empty() && v.integration.is_empty());
        assert_eq!(
            v.anschrift.aktuell.as_ref().map(|a| &a.strasse),
            p.anschrift.aktuell.as_ref().map(|a| &a.strasse)
        );
        if (g.vornamen.clone(), g.familienname.clone())
            != (h.vornamen.clone(), h.familienname.clone())
        {
            changed_names += 1;
        }
        if g.geburtsdatum != h.geburtsdatum {
            changed_dates += 1;
            // Same person: the year is kept or off by one.
            if let (Some(a), Some(b)) = (
                g.geburtsdatum.and_then(|d| d.year()),
                h.geburtsdatum.and_then(|d| d.year()),
            ) {
                assert!(a.abs_diff(b) <= 1);
            }
        }
        for part in [&g.vornamen, &g.familienname].into_iter().flatten() {
            if let Some(s) = part.wert() {
                assert_eq!(Name::parse(s).expect("valid").as_str(), s);
            }
        }
    }
    assert!(
        changed_names > hub.len() * 85 / 100,
        "{changed_names} name changes"
    );
    assert!(
        (hub.len() / 4..hub.len() * 3 / 4).contains(&changed_dates),
        "{changed_dates} date changes"
    );
    // Another seed gives other variants.
    let differing = hub
        .iter()
        .filter(|p| local_case_variant(p, 1) != local_case_variant(p, 2))
        .count();
    assert!(differing > hub.len() / 2);
}
