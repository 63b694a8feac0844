//! One person of a household: identifiers, Grundpersonalien, other
//! personal data, addresses and residence.

use std::borrow::Cow;

use fldm_core::codes::{Aufenthaltsstatus, Dokumentart, Familienstand, Geschlecht};
use fldm_core::date::TeilbekanntesDatum;
use fldm_core::ids::{AzrNummer, FldmId};
use fldm_core::record::{
    Aliaspersonalie, Anschrift, Dokumentnummer, Identitaetsdokument, NamePart, Namensvariante,
    Person,
};

use crate::Population;
use crate::cache::Tables;
use crate::days::{YEAR, age, datum, jd, ymd};
use crate::dice::Dice;
use crate::household::{Household, Member};
use crate::names::{ArrivalProfile, ORIGINS, OTHER_PLACES, Origin};
use crate::render::{render_family, render_vornamen};
use crate::tables;
use crate::variants::{fold_diacritics, respell, strip_article};

impl Population {
    pub(crate) fn person(
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

    pub(crate) fn record_birth(
        &mut self,
        o: &Origin,
        birth: i32,
        born_here: bool,
    ) -> TeilbekanntesDatum {
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
