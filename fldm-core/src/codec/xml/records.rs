//! Decoding the record types element by element: which children each
//! element has, which are required, and which constructor checks each value.

use crate::codes::{
    self, Aufenthaltsstatus, Beziehung, Bundesland, Dokumentart, Familienstand, Geschlecht,
    Sprachniveau,
};
use crate::error::Result;
use crate::ids::{Aktenzeichen, AzrNummer, FldmId};
use crate::record::{
    Aliaspersonalie, Anschrift, Anschriften, Asyl, Aufenthalt, Dokumentnummer, Email,
    Familienangehoeriger, Gesundheitsuntersuchung, Grundpersonalien, Identitaetsdokument, Impfung,
    Integration, Kontakt, MAX_LIST_ENTRIES, MAX_STAATSANGEHOERIGKEITEN, Name, Namensvariante,
    Person, Postleitzahl, Sprache, Sprachkenntnis, Telefon, Text, WeiterePersonalien,
    Zustaendigkeit,
};

use super::decoder::Decoder;
use super::source::Source;
use super::{
    AUFENTHALTSSTATUS_URI, BEZIEHUNG_URI, BUNDESLAND_URI, DOKUMENTART_URI, FAMILIENSTAND_URI,
    SPRACHNIVEAU_URI,
};

impl<S: Source> Decoder<S> {
    pub(super) fn person(&mut self) -> Result<Person> {
        let mut fldm_id = None;
        let mut azr_nummer = None;
        let mut aktenzeichen = None;
        let mut grund = None;
        let mut weitere = None;
        let mut anschrift = None;
        let mut aufenthalt = None;
        let mut asyl = None;
        let mut integration = None;
        while let Some(el) = self.child()? {
            match el {
                "fldmId" => self.field(el, &mut fldm_id, |s| s.value(FldmId::parse))?,
                "azrNummer" => self.field(el, &mut azr_nummer, |s| s.value(AzrNummer::parse))?,
                "aktenzeichen" => {
                    self.field(el, &mut aktenzeichen, |s| s.value(Aktenzeichen::parse))?;
                }
                "grundpersonalien" => self.field(el, &mut grund, Self::grundpersonalien)?,
                "weiterePersonalien" => {
                    self.field(el, &mut weitere, Self::weitere_personalien)?;
                }
                "anschrift" => self.field(el, &mut anschrift, Self::anschriften)?,
                "aufenthalt" => self.field(el, &mut aufenthalt, Self::aufenthalt)?,
                "asyl" => self.field(el, &mut asyl, Self::asyl)?,
                "integration" => self.field(el, &mut integration, Self::integration)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        let fldm_id = match fldm_id {
            None if self.import => crate::codec::import::placeholder_id(),
            other => self.required("fldmId", other)?,
        };
        let p = Person {
            fldm_id,
            azr_nummer,
            aktenzeichen,
            grundpersonalien: grund.unwrap_or_default(),
            weitere_personalien: weitere.unwrap_or_default(),
            anschrift: anschrift.unwrap_or_default(),
            aufenthalt: aufenthalt.unwrap_or_default(),
            asyl: asyl.unwrap_or_default(),
            integration: integration.unwrap_or_default(),
        };
        p.validate()?;
        Ok(p)
    }

    pub(super) fn grundpersonalien(&mut self) -> Result<Grundpersonalien> {
        let mut g = Grundpersonalien::default();
        let mut staaten_seen = false;
        while let Some(el) = self.child()? {
            match el {
                "familienname" => self.field(el, &mut g.familienname, Self::name_part)?,
                "geburtsname" => self.field(el, &mut g.geburtsname, Self::name_part)?,
                "vornamen" => self.field(el, &mut g.vornamen, Self::name_part)?,
                "familiennameNachDeutschemRecht" => {
                    self.field(
                        el,
                        &mut g.familienname_nach_deutschem_recht,
                        Self::name_part,
                    )?;
                }
                "geburtsdatum" => self.field(el, &mut g.geburtsdatum, Self::teil_datum)?,
                "geburtsort" => self.field(el, &mut g.geburtsort, |s| s.value(Text::parse))?,
                "geburtsland" => self.field(el, &mut g.geburtsland, Self::staat)?,
                "geburtsbezirk" => {
                    self.field(el, &mut g.geburtsbezirk, |s| s.value(Text::parse))?;
                }
                "geschlecht" => self.field(el, &mut g.geschlecht, |s| {
                    s.code(codes::GESCHLECHT_URI, Geschlecht::parse)
                })?,
                "doktorgrad" => self.field(el, &mut g.doktorgrad, |s| s.value(Name::parse))?,
                "staatsangehoerigkeiten" => self.list(
                    el,
                    "staatsangehoerigkeit",
                    1,
                    MAX_STAATSANGEHOERIGKEITEN,
                    &mut staaten_seen,
                    &mut g.staatsangehoerigkeiten,
                    Self::staat,
                )?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(g)
    }

    pub(super) fn namensvariante(&mut self) -> Result<Namensvariante> {
        let mut n = Namensvariante::default();
        while let Some(el) = self.child()? {
            match el {
                "familienname" => self.field(el, &mut n.familienname, Self::name_part)?,
                "vornamen" => self.field(el, &mut n.vornamen, Self::name_part)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(n)
    }

    pub(super) fn aliaspersonalie(&mut self) -> Result<Aliaspersonalie> {
        let mut a = Aliaspersonalie::default();
        while let Some(el) = self.child()? {
            match el {
                "familienname" => self.field(el, &mut a.familienname, Self::name_part)?,
                "vornamen" => self.field(el, &mut a.vornamen, Self::name_part)?,
                "geburtsdatum" => self.field(el, &mut a.geburtsdatum, Self::teil_datum)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(a)
    }

    pub(super) fn identitaetsdokument(&mut self) -> Result<Identitaetsdokument> {
        let mut art = None;
        let mut nummer = None;
        let mut ausstellungsstaat = None;
        let mut gueltig_bis = None;
        while let Some(el) = self.child()? {
            match el {
                "art" => {
                    self.field(el, &mut art, |s| {
                        s.code(DOKUMENTART_URI, Dokumentart::parse)
                    })?;
                }
                "nummer" => self.field(el, &mut nummer, |s| s.value(Dokumentnummer::parse))?,
                "ausstellungsstaat" => self.field(el, &mut ausstellungsstaat, Self::staat)?,
                "gueltigBis" => self.field(el, &mut gueltig_bis, Self::datum)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        let art = self.required("art", art)?;
        let nummer = self.required("nummer", nummer)?;
        Ok(Identitaetsdokument {
            art,
            nummer,
            ausstellungsstaat,
            gueltig_bis,
        })
    }

    pub(super) fn weitere_personalien(&mut self) -> Result<WeiterePersonalien> {
        let mut w = WeiterePersonalien::default();
        let (mut s1, mut s2, mut s3, mut s4) = (false, false, false, false);
        while let Some(el) = self.child()? {
            match el {
                "andereSchreibweisen" => self.list(
                    el,
                    "namensvariante",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut s1,
                    &mut w.andere_schreibweisen,
                    Self::namensvariante,
                )?,
                "fruehereNamen" => self.list(
                    el,
                    "namensvariante",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut s2,
                    &mut w.fruehere_namen,
                    Self::namensvariante,
                )?,
                "aliaspersonalien" => self.list(
                    el,
                    "aliaspersonalie",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut s3,
                    &mut w.aliaspersonalien,
                    Self::aliaspersonalie,
                )?,
                "familienstand" => self.field(el, &mut w.familienstand, |s| {
                    s.code(FAMILIENSTAND_URI, Familienstand::parse)
                })?,
                "identitaetsdokumente" => self.list(
                    el,
                    "identitaetsdokument",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut s4,
                    &mut w.identitaetsdokumente,
                    Self::identitaetsdokument,
                )?,
                "religion" => self.field(el, &mut w.religion, |s| s.value(Text::parse))?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(w)
    }

    pub(super) fn anschrift(&mut self) -> Result<Anschrift> {
        let mut a = Anschrift::default();
        while let Some(el) = self.child()? {
            match el {
                "strasse" => self.field(el, &mut a.strasse, |s| s.value(Text::parse))?,
                "hausnummer" => self.field(el, &mut a.hausnummer, |s| s.value(Text::parse))?,
                "zusatz" => self.field(el, &mut a.zusatz, |s| s.value(Text::parse))?,
                "postleitzahl" => {
                    self.field(el, &mut a.postleitzahl, |s| s.value(Postleitzahl::parse))?;
                }
                "ort" => self.field(el, &mut a.ort, |s| s.value(Text::parse))?,
                "einzugsdatum" => self.field(el, &mut a.einzugsdatum, Self::datum)?,
                "auszugsdatum" => self.field(el, &mut a.auszugsdatum, Self::datum)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(a)
    }

    pub(super) fn anschriften(&mut self) -> Result<Anschriften> {
        let mut a = Anschriften::default();
        let mut seen = false;
        while let Some(el) = self.child()? {
            match el {
                "aktuell" => self.field(el, &mut a.aktuell, Self::anschrift)?,
                "fruehere" => self.list(
                    el,
                    "anschrift",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut seen,
                    &mut a.fruehere,
                    Self::anschrift,
                )?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(a)
    }

    pub(super) fn aufenthalt(&mut self) -> Result<Aufenthalt> {
        let mut a = Aufenthalt::default();
        while let Some(el) = self.child()? {
            match el {
                "einreisedatum" => self.field(el, &mut a.einreisedatum, Self::datum)?,
                "ausreisedatum" => self.field(el, &mut a.ausreisedatum, Self::datum)?,
                "aufenthaltsstatus" => self.field(el, &mut a.aufenthaltsstatus, |s| {
                    s.code(AUFENTHALTSSTATUS_URI, Aufenthaltsstatus::parse)
                })?,
                "sterbedatum" => self.field(el, &mut a.sterbedatum, Self::datum)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(a)
    }

    pub(super) fn familienangehoeriger(&mut self) -> Result<Familienangehoeriger> {
        let mut beziehung = None;
        let mut fldm_id = None;
        let mut familienname = None;
        let mut vornamen = None;
        while let Some(el) = self.child()? {
            match el {
                "beziehung" => self.field(el, &mut beziehung, |s| {
                    s.code(BEZIEHUNG_URI, Beziehung::parse)
                })?,
                "fldmId" => self.field(el, &mut fldm_id, |s| s.value(FldmId::parse))?,
                "familienname" => self.field(el, &mut familienname, Self::name_part)?,
                "vornamen" => self.field(el, &mut vornamen, Self::name_part)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        let beziehung = self.required("beziehung", beziehung)?;
        Ok(Familienangehoeriger {
            beziehung,
            fldm_id,
            familienname,
            vornamen,
        })
    }

    pub(super) fn zustaendigkeit(&mut self) -> Result<Zustaendigkeit> {
        let mut z = Zustaendigkeit::default();
        while let Some(el) = self.child()? {
            match el {
                "bundesland" => self.field(el, &mut z.bundesland, |s| {
                    s.code(BUNDESLAND_URI, Bundesland::parse)
                })?,
                "aufnahmeeinrichtung" => {
                    self.field(el, &mut z.aufnahmeeinrichtung, |s| s.value(Text::parse))?;
                }
                "auslaenderbehoerde" => {
                    self.field(el, &mut z.auslaenderbehoerde, |s| s.value(Text::parse))?;
                }
                "jugendamt" => self.field(el, &mut z.jugendamt, |s| s.value(Text::parse))?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(z)
    }

    pub(super) fn kontakt(&mut self) -> Result<Kontakt> {
        let mut k = Kontakt::default();
        while let Some(el) = self.child()? {
            match el {
                "telefon" => {
                    self.field(el, &mut k.telefon, |s| s.value_untrimmed(Telefon::parse))?;
                }
                "email" => self.field(el, &mut k.email, |s| s.value(Email::parse))?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(k)
    }

    pub(super) fn gesundheitsuntersuchung(&mut self) -> Result<Gesundheitsuntersuchung> {
        let mut datum = None;
        let mut ort = None;
        let mut unbedenklich = None;
        while let Some(el) = self.child()? {
            match el {
                "datum" => self.field(el, &mut datum, Self::datum)?,
                "ort" => self.field(el, &mut ort, |s| s.value(Text::parse))?,
                "unbedenklichFuerGemeinschaftsunterkunft" => {
                    self.field(el, &mut unbedenklich, Self::boolean)?;
                }
                _ => return Err(self.unexpected(el)),
            }
        }
        let datum = self.required("datum", datum)?;
        Ok(Gesundheitsuntersuchung {
            datum,
            ort,
            unbedenklich_fuer_gemeinschaftsunterkunft: unbedenklich,
        })
    }

    pub(super) fn impfung(&mut self) -> Result<Impfung> {
        let mut art = None;
        let mut ort = None;
        let mut datum = None;
        while let Some(el) = self.child()? {
            match el {
                "art" => self.field(el, &mut art, |s| s.value(Text::parse))?,
                "ort" => self.field(el, &mut ort, |s| s.value(Text::parse))?,
                "datum" => self.field(el, &mut datum, Self::datum)?,
                _ => return Err(self.unexpected(el)),
            }
        }
        let art = self.required("art", art)?;
        let datum = self.required("datum", datum)?;
        Ok(Impfung { art, ort, datum })
    }

    pub(super) fn asyl(&mut self) -> Result<Asyl> {
        let mut a = Asyl::default();
        let (mut s1, mut s2) = (false, false);
        while let Some(el) = self.child()? {
            match el {
                "familienangehoerige" => self.list(
                    el,
                    "familienangehoeriger",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut s1,
                    &mut a.familienangehoerige,
                    Self::familienangehoeriger,
                )?,
                "staatDirekteEinreise" => {
                    self.field(el, &mut a.staat_direkte_einreise, Self::staat)?;
                }
                "zustaendigkeit" => self.field(el, &mut a.zustaendigkeit, Self::zustaendigkeit)?,
                "kontakt" => self.field(el, &mut a.kontakt, Self::kontakt)?,
                "gesundheitsuntersuchung" => self.field(
                    el,
                    &mut a.gesundheitsuntersuchung,
                    Self::gesundheitsuntersuchung,
                )?,
                "impfungen" => self.list(
                    el,
                    "impfung",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut s2,
                    &mut a.impfungen,
                    Self::impfung,
                )?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(a)
    }

    pub(super) fn sprachkenntnis(&mut self) -> Result<Sprachkenntnis> {
        let mut sprache = None;
        let mut niveau = None;
        while let Some(el) = self.child()? {
            match el {
                "sprache" => self.field(el, &mut sprache, |s| s.value(Sprache::parse))?,
                "niveau" => self.field(el, &mut niveau, |s| {
                    s.code(SPRACHNIVEAU_URI, Sprachniveau::parse)
                })?,
                _ => return Err(self.unexpected(el)),
            }
        }
        let sprache = self.required("sprache", sprache)?;
        Ok(Sprachkenntnis { sprache, niveau })
    }

    pub(super) fn integration(&mut self) -> Result<Integration> {
        let mut i = Integration::default();
        let mut seen = false;
        while let Some(el) = self.child()? {
            match el {
                "schulbildung" => self.field(el, &mut i.schulbildung, |s| s.value(Text::parse))?,
                "studium" => self.field(el, &mut i.studium, |s| s.value(Text::parse))?,
                "berufsausbildung" => {
                    self.field(el, &mut i.berufsausbildung, |s| s.value(Text::parse))?;
                }
                "beruf" => self.field(el, &mut i.beruf, |s| s.value(Text::parse))?,
                "sprachkenntnisse" => self.list(
                    el,
                    "sprachkenntnis",
                    0,
                    MAX_LIST_ENTRIES,
                    &mut seen,
                    &mut i.sprachkenntnisse,
                    Self::sprachkenntnis,
                )?,
                "berufsbezogeneDeutschsprachfoerderung" => self.field(
                    el,
                    &mut i.berufsbezogene_deutschsprachfoerderung,
                    Self::boolean,
                )?,
                _ => return Err(self.unexpected(el)),
            }
        }
        Ok(i)
    }
}
