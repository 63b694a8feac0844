//! Asylum data (family members, contact, health examination,
//! vaccinations) and integration data of one person.

use fldm_core::codes::{Beziehung, Geschlecht, Sprachniveau};
use fldm_core::ids::FldmId;
use fldm_core::record::{
    Email, Familienangehoeriger, Gesundheitsuntersuchung, Impfung, Kontakt, NamePart, Person,
    Sprache, Sprachkenntnis, Telefon,
};

use crate::Population;
use crate::cache::Tables;
use crate::days::{YEAR, age, datum};
use crate::household::{Household, Member, Role};
use crate::names::ArrivalProfile;
use crate::render::{render_family, render_vornamen};
use crate::tables;

impl Population {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn asyl(
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

    fn impfungen(&mut self, t: &Tables, a: &mut fldm_core::record::Asyl, from: i32, r: i32) {
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

    pub(crate) fn integration(
        &mut self,
        t: &Tables,
        hh: &Household,
        m: &Member,
        p: &mut Person,
        r: i32,
    ) {
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

fn mail_local(vornamen: &str, familienname: Option<&str>, n: usize) -> String {
    let first = vornamen.split(' ').next().unwrap_or(vornamen);
    let mut s: String = fldm_core::text::search_form(first)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if let Some(f) = familienname {
        let f: String = fldm_core::text::search_form(f)
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
