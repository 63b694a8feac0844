//! Who lives in a household: members with names, birth dates, arrival, and
//! what they share (address, responsibilities).

use fldm_core::codes::{Beziehung, Bundesland, Familienstand, Geschlecht, Staatsangehoerigkeit};
use fldm_core::ids::FldmId;
use fldm_core::record::{Anschrift, Postleitzahl, Text, Zustaendigkeit};

use crate::Population;
use crate::cache::{Tables, tables};
use crate::days::{YEAR, datum, jd};
use crate::dice::Dice;
use crate::names::{ArrivalProfile, Naming, ORIGINS, Origin};
use crate::tables;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Head,
    Spouse,
    Child,
    Grandparent,
    Sibling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
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
pub(crate) enum Fam {
    None,
    Table(usize),
    Father,
    FatherGrandfather,
    Grandfather,
    Double(usize, usize),
}

/// Name parts as known to the family (canonical table spellings).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Names {
    pub(crate) given: &'static str,
    pub(crate) second: Option<&'static str>,
    pub(crate) father: &'static str,
    pub(crate) grandfather: &'static str,
    /// The father's name is part of the Vornamen (name chain).
    pub(crate) chain: bool,
    pub(crate) fam: Fam,
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) role: Role,
    pub(crate) sex: Geschlecht,
    pub(crate) birth: i32,
    pub(crate) names: Names,
    /// Birth family name where the family name changed on marriage.
    pub(crate) maiden: Option<Names>,
    pub(crate) fam_salt: u32,
    pub(crate) given_salt: u32,
    /// Arrival in Germany; `None` if born in Germany.
    pub(crate) arrival: Option<i32>,
    pub(crate) familienstand: Familienstand,
}

/// A relative not living in the city, listed by name only.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Absent {
    pub(crate) beziehung: Beziehung,
    pub(crate) names: Names,
    pub(crate) sex: Geschlecht,
}

#[derive(Debug)]
pub(crate) struct Household {
    pub(crate) o: &'static Origin,
    pub(crate) kind: Kind,
    pub(crate) members: Vec<Member>,
    /// Name-only relatives per member.
    pub(crate) absent: Vec<Vec<Absent>>,
    pub(crate) arrival: i32,
    /// Move-in date of the current address.
    pub(crate) einzug: i32,
    pub(crate) protected: bool,
    pub(crate) address: Option<Anschrift>,
    pub(crate) former: Vec<Anschrift>,
    pub(crate) zustaendigkeit: Option<Zustaendigkeit>,
    pub(crate) direkt: Option<Staatsangehoerigkeit>,
    pub(crate) departure: Option<i32>,
}

pub(crate) const LONG_YEARS: &[u32] = &[2, 6, 20, 18, 6, 5, 5, 3, 5, 8, 10, 7, 4, 1];
pub(crate) const RECENT_YEARS: &[u32] = &[1, 1, 2, 2, 2, 3, 4, 2, 4, 10, 25, 20, 10, 3];
pub(crate) const UKRAINE_YEARS: &[u32] = &[60, 20, 12, 7, 1];

pub(crate) const FS_SINGLE: &[(Familienstand, u32)] = &[
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
    pub(crate) fn household(&mut self) {
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
    pub(crate) fn fresh(&mut self, o: &Origin, sex: Geschlecht) -> Names {
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

    /// A member of the household who arrived in Germany on `arrival`
    /// (`None`: born in Germany).
    fn member(
        &mut self,
        role: Role,
        sex: Geschlecht,
        birth: i32,
        names: Names,
        salt: u32,
        arrival: Option<i32>,
    ) -> Member {
        Member {
            role,
            sex,
            birth,
            names,
            maiden: None,
            fam_salt: salt,
            given_salt: self.rng.u32(),
            arrival,
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
                let mut head = self.member(Role::Head, sex, birth, names, salt, Some(arrival));
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
                    let mut sib = self.member(Role::Sibling, sex, birth, n, salt, Some(arrival));
                    sib.familienstand =
                        self.rng
                            .either(800, Familienstand::Ledig, Familienstand::NichtBekannt);
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
                // The father as the head of the household, arrived with it.
                let father_as_head = |this: &mut Self| {
                    this.member(
                        Role::Head,
                        Geschlecht::Maennlich,
                        father_birth,
                        father,
                        salt,
                        Some(arrival),
                    )
                };
                if single && !mother_is_head {
                    // A father alone with his children.
                    let mut head = father_as_head(self);
                    head.familienstand =
                        self.rng
                            .either(600, Familienstand::Verwitwet, Familienstand::Geschieden);
                    members.push(head);
                    absent.push(Vec::new());
                } else {
                    let mut fam_w = self.member(
                        if single { Role::Head } else { Role::Spouse },
                        Geschlecht::Weiblich,
                        mother_birth,
                        mother,
                        salt,
                        Some(if single { arrival } else { mother_arrival }),
                    );
                    fam_w.maiden = maiden;
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
                        let mut head = father_as_head(self);
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
                        // Born in Germany after the mother arrived, or arrived with her.
                        let c_arrival = (b <= mother_arrival).then_some(mother_arrival);
                        let mut c = self.member(Role::Child, sex, b, names, salt_c, c_arrival);
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
                    let mut g = self.member(
                        Role::Grandparent,
                        Geschlecht::Weiblich,
                        birth,
                        gm,
                        salt,
                        Some(arrival),
                    );
                    g.maiden = gmaiden;
                    g.familienstand =
                        self.rng
                            .either(850, Familienstand::Verwitwet, Familienstand::NichtBekannt);
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
    pub(crate) fn shared(&mut self, t: &Tables, hh: &mut Household, r: i32) {
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
}
