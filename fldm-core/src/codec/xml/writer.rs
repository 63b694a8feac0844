//! Writing records as XML text: a list document, a single record, or a
//! stream of records to an [`std::io::Write`].

use std::io::Write;

use crate::codes::{self, Staatsangehoerigkeit};
use crate::date::{Datum, TeilbekanntesDatum};
use crate::error::{Error, Result};
use crate::ids::{Aktenzeichen, AzrNummer, FldmId};
use crate::record::{
    Anschrift, Asyl, Email, Grundpersonalien, Integration, Name, NamePart, Namensvariante, Person,
    Postleitzahl, Telefon, Text, WeiterePersonalien,
};

use super::text::escape_into;
use super::{
    AUFENTHALTSSTATUS_URI, BEZIEHUNG_URI, BUNDESLAND_URI, DOKUMENTART_URI, FAMILIENSTAND_URI,
    FLDM_LIST_VERSION, NAMESPACE, SPRACHNIVEAU_URI,
};

/// A whole list document (`<fldm:personen>`), with XML declaration,
/// indented by two spaces.
pub fn to_xml(persons: &[Person]) -> String {
    let mut w = XmlWriter::new(String::with_capacity(256 + persons.len() * 1536));
    w.out.push_str(DECLARATION);
    w.out.push_str(LIST_OPEN);
    w.depth = 1;
    for p in persons {
        w.person(p, false);
    }
    w.out.push_str(LIST_CLOSE);
    w.out
}

/// A single record as a document with the root `<fldm:person>`.
pub fn person_to_xml(p: &Person) -> String {
    let mut w = XmlWriter::new(String::with_capacity(2048));
    w.out.push_str(DECLARATION);
    w.person(p, true);
    w.out
}

/// Append the `<fldm:person>` element of `p` (with its namespace
/// declaration, without XML declaration and final line break) to `out`:
/// the record inside a hub envelope.
pub(super) fn person_element_into(out: &mut String, p: &Person) {
    let mut w = XmlWriter::new(std::mem::take(out));
    w.person(p, true);
    *out = w.out;
    if out.ends_with('\n') {
        out.pop();
    }
}

/// Write a list document record by record to `w`. Only one record is held
/// in memory at a time; wrap a file in a [`std::io::BufWriter`].
pub fn write_xml<'a, W: Write>(
    mut w: W,
    persons: impl IntoIterator<Item = &'a Person>,
) -> Result<()> {
    let io = |e| Error::io("writing XML", e);
    let mut x = XmlWriter::new(String::with_capacity(4096));
    x.out.push_str(DECLARATION);
    x.out.push_str(LIST_OPEN);
    x.depth = 1;
    for p in persons {
        x.person(p, false);
        if x.out.len() >= 32 * 1024 {
            w.write_all(x.out.as_bytes()).map_err(io)?;
            x.out.clear();
        }
    }
    x.out.push_str(LIST_CLOSE);
    w.write_all(x.out.as_bytes()).map_err(io)?;
    w.flush().map_err(io)
}

const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
const LIST_OPEN: &str = "<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\n";
const LIST_CLOSE: &str = "</fldm:personen>\n";

struct XmlWriter {
    out: String,
    depth: usize,
    /// `out.len()` just after the last start tag; a close at this length
    /// turns the start tag into an empty-element tag.
    just_opened: usize,
    /// `listVersionID` of the nationality list in use.
    nationality_version: String,
}

impl XmlWriter {
    fn new(out: String) -> Self {
        XmlWriter {
            out,
            depth: 0,
            just_opened: usize::MAX,
            nationality_version: codes::staatsangehoerigkeit_list().version.clone(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, name: &str) {
        self.indent();
        self.out.push_str("<fldm:");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
        self.just_opened = self.out.len();
    }

    fn close(&mut self, name: &str) {
        self.depth = self.depth.saturating_sub(1);
        if self.out.len() == self.just_opened {
            self.out.truncate(self.out.len() - 2);
            self.out.push_str("/>\n");
            self.just_opened = usize::MAX;
            return;
        }
        self.indent();
        self.out.push_str("</fldm:");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, name: &str, value: &str) {
        self.indent();
        self.out.push_str("<fldm:");
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, value, false);
        self.out.push_str("</fldm:");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn opt_leaf(&mut self, name: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.leaf(name, v);
        }
    }

    fn code(&mut self, name: &str, uri: &str, version: &str, code: &str) {
        self.indent();
        self.out.push_str("<fldm:");
        self.out.push_str(name);
        self.out.push_str(" listURI=\"");
        escape_into(&mut self.out, uri, true);
        self.out.push_str("\" listVersionID=\"");
        escape_into(&mut self.out, version, true);
        self.out.push_str("\">\n");
        self.depth += 1;
        self.leaf("code", code);
        self.close(name);
    }

    fn staat(&mut self, name: &str, s: &Staatsangehoerigkeit) {
        let version = std::mem::take(&mut self.nationality_version);
        self.code(name, codes::STAATSANGEHOERIGKEIT_URI, &version, s.as_str());
        self.nationality_version = version;
    }

    fn name_part(&mut self, name: &str, part: &NamePart) {
        self.open(name);
        match part {
            NamePart::Wert(n) => self.leaf("name", n.as_str()),
            NamePart::NichtVorhanden => self.leaf("nichtVorhanden", "true"),
        }
        self.close(name);
    }

    /// A list wrapper `wrapper` with one entry per item (written by
    /// `item`); nothing for an empty list.
    fn list<T>(&mut self, wrapper: &str, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        if items.is_empty() {
            return;
        }
        self.open(wrapper);
        for x in items {
            item(self, x);
        }
        self.close(wrapper);
    }

    fn opt_name_part(&mut self, name: &str, part: Option<&NamePart>) {
        if let Some(p) = part {
            self.name_part(name, p);
        }
    }

    fn teil_datum(&mut self, name: &str, d: &TeilbekanntesDatum) {
        self.open(name);
        match d {
            TeilbekanntesDatum::JahrMonatTag(d) => self.leaf("jahrMonatTag", d.as_str()),
            TeilbekanntesDatum::JahrMonat { jahr, monat } => {
                self.leaf("jahrMonat", &format!("{jahr:04}-{monat:02}"));
            }
            TeilbekanntesDatum::Jahr(j) => self.leaf("jahr", &format!("{j:04}")),
            TeilbekanntesDatum::Unbekannt => self.leaf("unbekannt", "true"),
        }
        self.close(name);
    }

    fn opt_bool(&mut self, name: &str, b: Option<bool>) {
        if let Some(b) = b {
            self.leaf(name, if b { "true" } else { "false" });
        }
    }

    fn person(&mut self, p: &Person, root: bool) {
        if root {
            self.indent();
            self.out.push_str("<fldm:person xmlns:fldm=\"");
            self.out.push_str(NAMESPACE);
            self.out.push_str("\">\n");
            self.depth += 1;
        } else {
            self.open("person");
        }
        self.leaf("fldmId", p.fldm_id.as_str());
        self.opt_leaf("azrNummer", p.azr_nummer.as_ref().map(AzrNummer::as_str));
        self.opt_leaf(
            "aktenzeichen",
            p.aktenzeichen.as_ref().map(Aktenzeichen::as_str),
        );
        if !p.grundpersonalien.is_empty() {
            self.grundpersonalien(&p.grundpersonalien);
        }
        if !p.weitere_personalien.is_empty() {
            self.weitere_personalien(&p.weitere_personalien);
        }
        if !p.anschrift.is_empty() {
            self.open("anschrift");
            if let Some(a) = &p.anschrift.aktuell {
                self.anschrift("aktuell", a);
            }
            self.list("fruehere", &p.anschrift.fruehere, |xw, a| {
                xw.anschrift("anschrift", a);
            });
            self.close("anschrift");
        }
        if !p.aufenthalt.is_empty() {
            let a = &p.aufenthalt;
            self.open("aufenthalt");
            self.opt_leaf("einreisedatum", a.einreisedatum.as_ref().map(Datum::as_str));
            self.opt_leaf("ausreisedatum", a.ausreisedatum.as_ref().map(Datum::as_str));
            if let Some(s) = a.aufenthaltsstatus {
                self.code(
                    "aufenthaltsstatus",
                    AUFENTHALTSSTATUS_URI,
                    FLDM_LIST_VERSION,
                    s.as_str(),
                );
            }
            self.opt_leaf("sterbedatum", a.sterbedatum.as_ref().map(Datum::as_str));
            self.close("aufenthalt");
        }
        if !p.asyl.is_empty() {
            self.asyl(&p.asyl);
        }
        if !p.integration.is_empty() {
            self.integration(&p.integration);
        }
        self.close("person");
    }

    fn grundpersonalien(&mut self, g: &Grundpersonalien) {
        self.open("grundpersonalien");
        self.opt_name_part("familienname", g.familienname.as_ref());
        self.opt_name_part("geburtsname", g.geburtsname.as_ref());
        self.opt_name_part("vornamen", g.vornamen.as_ref());
        self.opt_name_part(
            "familiennameNachDeutschemRecht",
            g.familienname_nach_deutschem_recht.as_ref(),
        );
        if let Some(d) = &g.geburtsdatum {
            self.teil_datum("geburtsdatum", d);
        }
        self.opt_leaf("geburtsort", g.geburtsort.as_ref().map(Text::as_str));
        if let Some(s) = &g.geburtsland {
            self.staat("geburtsland", s);
        }
        self.opt_leaf("geburtsbezirk", g.geburtsbezirk.as_ref().map(Text::as_str));
        if let Some(s) = g.geschlecht {
            self.code(
                "geschlecht",
                codes::GESCHLECHT_URI,
                codes::GESCHLECHT_VERSION,
                s.as_str(),
            );
        }
        self.opt_leaf("doktorgrad", g.doktorgrad.as_ref().map(Name::as_str));
        self.list(
            "staatsangehoerigkeiten",
            &g.staatsangehoerigkeiten,
            |xw, s| {
                xw.staat("staatsangehoerigkeit", s);
            },
        );
        self.close("grundpersonalien");
    }

    fn namensvariante(&mut self, name: &str, n: &Namensvariante) {
        self.open(name);
        self.opt_name_part("familienname", n.familienname.as_ref());
        self.opt_name_part("vornamen", n.vornamen.as_ref());
        self.close(name);
    }

    fn weitere_personalien(&mut self, w: &WeiterePersonalien) {
        self.open("weiterePersonalien");
        self.list("andereSchreibweisen", &w.andere_schreibweisen, |xw, n| {
            xw.namensvariante("namensvariante", n);
        });
        self.list("fruehereNamen", &w.fruehere_namen, |xw, n| {
            xw.namensvariante("namensvariante", n);
        });
        self.list("aliaspersonalien", &w.aliaspersonalien, |xw, a| {
            xw.open("aliaspersonalie");
            xw.opt_name_part("familienname", a.familienname.as_ref());
            xw.opt_name_part("vornamen", a.vornamen.as_ref());
            if let Some(d) = &a.geburtsdatum {
                xw.teil_datum("geburtsdatum", d);
            }
            xw.close("aliaspersonalie");
        });
        if let Some(f) = w.familienstand {
            self.code(
                "familienstand",
                FAMILIENSTAND_URI,
                FLDM_LIST_VERSION,
                f.as_str(),
            );
        }
        self.list("identitaetsdokumente", &w.identitaetsdokumente, |xw, d| {
            xw.open("identitaetsdokument");
            xw.code("art", DOKUMENTART_URI, FLDM_LIST_VERSION, d.art.as_str());
            xw.leaf("nummer", d.nummer.as_str());
            if let Some(s) = &d.ausstellungsstaat {
                xw.staat("ausstellungsstaat", s);
            }
            xw.opt_leaf("gueltigBis", d.gueltig_bis.as_ref().map(Datum::as_str));
            xw.close("identitaetsdokument");
        });
        self.opt_leaf("religion", w.religion.as_ref().map(Text::as_str));
        self.close("weiterePersonalien");
    }

    fn anschrift(&mut self, name: &str, a: &Anschrift) {
        self.open(name);
        self.opt_leaf("strasse", a.strasse.as_ref().map(Text::as_str));
        self.opt_leaf("hausnummer", a.hausnummer.as_ref().map(Text::as_str));
        self.opt_leaf("zusatz", a.zusatz.as_ref().map(Text::as_str));
        self.opt_leaf(
            "postleitzahl",
            a.postleitzahl.as_ref().map(Postleitzahl::as_str),
        );
        self.opt_leaf("ort", a.ort.as_ref().map(Text::as_str));
        self.opt_leaf("einzugsdatum", a.einzugsdatum.as_ref().map(Datum::as_str));
        self.opt_leaf("auszugsdatum", a.auszugsdatum.as_ref().map(Datum::as_str));
        self.close(name);
    }

    fn asyl(&mut self, a: &Asyl) {
        self.open("asyl");
        self.list("familienangehoerige", &a.familienangehoerige, |xw, f| {
            xw.open("familienangehoeriger");
            xw.code(
                "beziehung",
                BEZIEHUNG_URI,
                FLDM_LIST_VERSION,
                f.beziehung.as_str(),
            );
            xw.opt_leaf("fldmId", f.fldm_id.as_ref().map(FldmId::as_str));
            xw.opt_name_part("familienname", f.familienname.as_ref());
            xw.opt_name_part("vornamen", f.vornamen.as_ref());
            xw.close("familienangehoeriger");
        });
        if let Some(s) = &a.staat_direkte_einreise {
            self.staat("staatDirekteEinreise", s);
        }
        if let Some(z) = &a.zustaendigkeit {
            self.open("zustaendigkeit");
            if let Some(b) = z.bundesland {
                self.code("bundesland", BUNDESLAND_URI, FLDM_LIST_VERSION, b.as_str());
            }
            self.opt_leaf(
                "aufnahmeeinrichtung",
                z.aufnahmeeinrichtung.as_ref().map(Text::as_str),
            );
            self.opt_leaf(
                "auslaenderbehoerde",
                z.auslaenderbehoerde.as_ref().map(Text::as_str),
            );
            self.opt_leaf("jugendamt", z.jugendamt.as_ref().map(Text::as_str));
            self.close("zustaendigkeit");
        }
        if let Some(k) = &a.kontakt {
            self.open("kontakt");
            self.opt_leaf("telefon", k.telefon.as_ref().map(Telefon::as_str));
            self.opt_leaf("email", k.email.as_ref().map(Email::as_str));
            self.close("kontakt");
        }
        if let Some(g) = &a.gesundheitsuntersuchung {
            self.open("gesundheitsuntersuchung");
            self.leaf("datum", g.datum.as_str());
            self.opt_leaf("ort", g.ort.as_ref().map(Text::as_str));
            self.opt_bool(
                "unbedenklichFuerGemeinschaftsunterkunft",
                g.unbedenklich_fuer_gemeinschaftsunterkunft,
            );
            self.close("gesundheitsuntersuchung");
        }
        self.list("impfungen", &a.impfungen, |xw, i| {
            xw.open("impfung");
            xw.leaf("art", i.art.as_str());
            xw.opt_leaf("ort", i.ort.as_ref().map(Text::as_str));
            xw.leaf("datum", i.datum.as_str());
            xw.close("impfung");
        });
        self.close("asyl");
    }

    fn integration(&mut self, i: &Integration) {
        self.open("integration");
        self.opt_leaf("schulbildung", i.schulbildung.as_ref().map(Text::as_str));
        self.opt_leaf("studium", i.studium.as_ref().map(Text::as_str));
        self.opt_leaf(
            "berufsausbildung",
            i.berufsausbildung.as_ref().map(Text::as_str),
        );
        self.opt_leaf("beruf", i.beruf.as_ref().map(Text::as_str));
        self.list("sprachkenntnisse", &i.sprachkenntnisse, |xw, s| {
            xw.open("sprachkenntnis");
            xw.leaf("sprache", s.sprache.as_str());
            if let Some(n) = s.niveau {
                xw.code("niveau", SPRACHNIVEAU_URI, FLDM_LIST_VERSION, n.as_str());
            }
            xw.close("sprachkenntnis");
        });
        self.opt_bool(
            "berufsbezogeneDeutschsprachfoerderung",
            i.berufsbezogene_deutschsprachfoerderung,
        );
        self.close("integration");
    }
}
