//! XML codec for the Kerndatensatz, following XÖV conventions.
//!
//! The format is described in `docs/xml-format.md` and by the schema
//! `fldm-core/schema/fldm-kerndatensatz.xsd`. In short:
//!
//! - namespace [`NAMESPACE`] (prefix `fldm`), every element qualified;
//!   element names are the lowerCamelCase forms of the JSON field names;
//! - a list document has the root `<fldm:personen>` with `<fldm:person>`
//!   children; a single record has the root `<fldm:person>`;
//! - lists inside a record are a wrapper element named like the JSON field
//!   (`staatsangehoerigkeiten`) with one item element per entry
//!   (`staatsangehoerigkeit`);
//! - codes are XÖV code elements: attributes `listURI` and `listVersionID`
//!   and a child `<code>`;
//! - name parts are `<name>` or `<nichtVorhanden>true</nichtVorhanden>`;
//!   partial dates are one of `jahrMonatTag`, `jahrMonat`, `jahr`,
//!   `unbekannt`.
//!
//! Writing goes straight into a `String` or an [`std::io::Write`]; reading
//! is a pull parser over quick-xml events, so a list of any length can be
//! streamed record by record with [`XmlReader`].
//!
//! Decoding checks every value with the same constructors as the JSON codec
//! and finishes each record with [`Person::validate`]. Errors name the field
//! by its JSON path (`grundpersonalien.staatsangehoerigkeiten[4]`). Document
//! type declarations, entity declarations and entity references other than
//! the five predefined ones are rejected, never expanded.

use std::io::{BufRead, Write};

use quick_xml::NsReader;
use quick_xml::events::Event;
use quick_xml::name::{NamespaceResolver, ResolveResult};

use crate::codes::{
    self, Aufenthaltsstatus, Beziehung, Bundesland, Dokumentart, Familienstand, Geschlecht,
    Sprachniveau, Staatsangehoerigkeit,
};
use crate::date::{Datum, TeilbekanntesDatum};
use crate::error::{Error, Result, ValidationError, ValidationKind};
use crate::ids::{AzrNummer, FldmId};
use crate::record::{
    Aliaspersonalie, Anschrift, Anschriften, Asyl, Aufenthalt, Dokumentnummer, Email,
    Familienangehoeriger, Gesundheitsuntersuchung, Grundpersonalien, Identitaetsdokument, Impfung,
    Integration, Kontakt, MAX_LIST_ENTRIES, MAX_STAATSANGEHOERIGKEITEN, Name, NamePart,
    Namensvariante, Person, Postleitzahl, Sprache, Sprachkenntnis, Telefon, Text,
    WeiterePersonalien, Zustaendigkeit,
};

/// Namespace of all FLDM XML elements.
pub const NAMESPACE: &str = "urn:fldm:xml:kerndatensatz:1";
/// Prefix used for [`NAMESPACE`] in documents written by this module.
pub const PREFIX: &str = "fldm";

/// List URI of the Familienstand codes (XInneres).
pub const FAMILIENSTAND_URI: &str = "urn:xoev-de:xinneres:codeliste:familienstand";
/// List URI of the FLDM residence-status list.
pub const AUFENTHALTSSTATUS_URI: &str = "urn:fldm:codeliste:aufenthaltsstatus";
/// List URI of the FLDM identity-document list.
pub const DOKUMENTART_URI: &str = "urn:fldm:codeliste:dokumentart";
/// List URI of the FLDM family-relationship list.
pub const BEZIEHUNG_URI: &str = "urn:fldm:codeliste:beziehung";
/// List URI of the FLDM language-level list.
pub const SPRACHNIVEAU_URI: &str = "urn:fldm:codeliste:sprachniveau";
/// List URI of the Länder key (DESTATIS).
pub const BUNDESLAND_URI: &str =
    "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:bundesland";
/// `listVersionID` written for the lists whose table is built into this
/// crate without a published version of its own (all lists except the
/// nationality and gender lists).
pub const FLDM_LIST_VERSION: &str = "1";

/// Longest text accepted in a single value element, in bytes. Longer
/// values are rejected before they are checked (no model value comes near).
const MAX_VALUE_BYTES: usize = 8 * 1024;

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

// ---------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------

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

fn escape_into(out: &mut String, s: &str, attribute: bool) {
    let special = |b: u8| b == b'&' || b == b'<' || b == b'>' || (attribute && b == b'"');
    if !s.bytes().any(special) {
        out.push_str(s);
        return;
    }
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
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
            if !p.anschrift.fruehere.is_empty() {
                self.open("fruehere");
                for a in &p.anschrift.fruehere {
                    self.anschrift("anschrift", a);
                }
                self.close("fruehere");
            }
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
        if !g.staatsangehoerigkeiten.is_empty() {
            self.open("staatsangehoerigkeiten");
            for s in &g.staatsangehoerigkeiten {
                self.staat("staatsangehoerigkeit", s);
            }
            self.close("staatsangehoerigkeiten");
        }
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
        if !w.andere_schreibweisen.is_empty() {
            self.open("andereSchreibweisen");
            for n in &w.andere_schreibweisen {
                self.namensvariante("namensvariante", n);
            }
            self.close("andereSchreibweisen");
        }
        if !w.fruehere_namen.is_empty() {
            self.open("fruehereNamen");
            for n in &w.fruehere_namen {
                self.namensvariante("namensvariante", n);
            }
            self.close("fruehereNamen");
        }
        if !w.aliaspersonalien.is_empty() {
            self.open("aliaspersonalien");
            for a in &w.aliaspersonalien {
                self.open("aliaspersonalie");
                self.opt_name_part("familienname", a.familienname.as_ref());
                self.opt_name_part("vornamen", a.vornamen.as_ref());
                if let Some(d) = &a.geburtsdatum {
                    self.teil_datum("geburtsdatum", d);
                }
                self.close("aliaspersonalie");
            }
            self.close("aliaspersonalien");
        }
        if let Some(f) = w.familienstand {
            self.code(
                "familienstand",
                FAMILIENSTAND_URI,
                FLDM_LIST_VERSION,
                f.as_str(),
            );
        }
        if !w.identitaetsdokumente.is_empty() {
            self.open("identitaetsdokumente");
            for d in &w.identitaetsdokumente {
                self.open("identitaetsdokument");
                self.code("art", DOKUMENTART_URI, FLDM_LIST_VERSION, d.art.as_str());
                self.leaf("nummer", d.nummer.as_str());
                if let Some(s) = &d.ausstellungsstaat {
                    self.staat("ausstellungsstaat", s);
                }
                self.opt_leaf("gueltigBis", d.gueltig_bis.as_ref().map(Datum::as_str));
                self.close("identitaetsdokument");
            }
            self.close("identitaetsdokumente");
        }
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
        if !a.familienangehoerige.is_empty() {
            self.open("familienangehoerige");
            for f in &a.familienangehoerige {
                self.open("familienangehoeriger");
                self.code(
                    "beziehung",
                    BEZIEHUNG_URI,
                    FLDM_LIST_VERSION,
                    f.beziehung.as_str(),
                );
                self.opt_leaf("fldmId", f.fldm_id.as_ref().map(FldmId::as_str));
                self.opt_name_part("familienname", f.familienname.as_ref());
                self.opt_name_part("vornamen", f.vornamen.as_ref());
                self.close("familienangehoeriger");
            }
            self.close("familienangehoerige");
        }
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
        if !a.impfungen.is_empty() {
            self.open("impfungen");
            for i in &a.impfungen {
                self.open("impfung");
                self.leaf("art", i.art.as_str());
                self.opt_leaf("ort", i.ort.as_ref().map(Text::as_str));
                self.leaf("datum", i.datum.as_str());
                self.close("impfung");
            }
            self.close("impfungen");
        }
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
        if !i.sprachkenntnisse.is_empty() {
            self.open("sprachkenntnisse");
            for s in &i.sprachkenntnisse {
                self.open("sprachkenntnis");
                self.leaf("sprache", s.sprache.as_str());
                if let Some(n) = s.niveau {
                    self.code("niveau", SPRACHNIVEAU_URI, FLDM_LIST_VERSION, n.as_str());
                }
                self.close("sprachkenntnis");
            }
            self.close("sprachkenntnisse");
        }
        self.opt_bool(
            "berufsbezogeneDeutschsprachfoerderung",
            i.berufsbezogene_deutschsprachfoerderung,
        );
        self.close("integration");
    }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

/// Decode a list document (`<fldm:personen>`) or a single record
/// (`<fldm:person>`).
///
/// For a list document, an error inside the i-th record is wrapped in
/// [`Error::Record`] with index i; errors outside any record and errors of
/// a single-record document are not wrapped.
pub fn from_xml(s: &str) -> Result<Vec<Person>> {
    Decoder::new(Slice::new(s)).collect()
}

/// Decode a single-record document (`<fldm:person>` root).
pub fn person_from_xml(s: &str) -> Result<Person> {
    let mut r = Decoder::new(Slice::new(s));
    let p = match r.next() {
        Some(p) => p?,
        None => return Err(doc_error("", 0, 0, "the document contains no record")),
    };
    if r.root_is_list {
        return Err(doc_error("", 1, 1, "expected the root element person"));
    }
    // Reads the rest of the document and reports anything after the root.
    if let Some(Err(e)) = r.next() {
        return Err(e);
    }
    Ok(p)
}

fn doc_error(field: &str, line: usize, column: usize, message: &str) -> Error {
    Error::Xml {
        field: field.to_string(),
        line,
        column,
        message: message.to_string(),
    }
}

/// Streaming decoder: iterates the records of a list document (or the one
/// record of a single-record document) without building a tree.
///
/// A record that is well-formed XML but fails validation yields its error
/// (wrapped in [`Error::Record`]) and reading continues with the next
/// record. An XML error (malformed input, unknown element, DOCTYPE, I/O
/// error) ends the iteration after it has been yielded.
#[derive(Debug)]
pub struct XmlReader<R: BufRead> {
    inner: Decoder<Buffered<R>>,
}

impl<R: BufRead> XmlReader<R> {
    /// A reader over `input` (UTF-8).
    pub fn new(input: R) -> Self {
        let mut reader = NsReader::from_reader(LineCounter::new(input));
        configure(reader.config_mut());
        XmlReader {
            inner: Decoder::new(Buffered(reader)),
        }
    }
}

impl<R: BufRead> Iterator for XmlReader<R> {
    type Item = Result<Person>;

    fn next(&mut self) -> Option<Result<Person>> {
        self.inner.next()
    }
}

fn configure(config: &mut quick_xml::reader::Config) {
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.trim_text(false);
}

/// Where events come from: a buffered stream or a string in memory.
trait Source {
    /// The next event, whether it is a start tag in [`NAMESPACE`], and the
    /// namespace bindings in scope.
    fn next_event<'b>(
        &'b mut self,
        buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<(bool, Event<'b>, &'b NamespaceResolver)>;
    /// Start of a new event (see [`LineCounter::mark`]).
    fn mark(&mut self);
    /// Offset of the next byte to read.
    fn offset(&self) -> u64;
    /// Offset of the last parser error.
    fn error_offset(&self) -> u64;
    /// 1-based line and byte column of an offset.
    fn line_col(&self, pos: u64) -> (usize, usize);
}

fn in_namespace(ns: &ResolveResult<'_>) -> bool {
    matches!(ns, ResolveResult::Bound(n) if n.0 == NAMESPACE)
}

/// A stream, read through a [`LineCounter`].
#[derive(Debug)]
struct Buffered<R>(NsReader<LineCounter<R>>);

impl<R: BufRead> Source for Buffered<R> {
    fn next_event<'b>(
        &'b mut self,
        buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<(bool, Event<'b>, &'b NamespaceResolver)> {
        let (ns, ev) = self.0.read_resolved_event_into(buf)?;
        let in_ns = in_namespace(&ns);
        Ok((in_ns, ev, self.0.resolver()))
    }
    fn mark(&mut self) {
        self.0.get_mut().mark();
    }
    fn offset(&self) -> u64 {
        self.0.get_ref().consumed
    }
    fn error_offset(&self) -> u64 {
        self.0.error_position()
    }
    fn line_col(&self, pos: u64) -> (usize, usize) {
        self.0.get_ref().line_col(pos)
    }
}

/// A string in memory: events borrow the input, nothing is copied.
#[derive(Debug)]
struct Slice<'i> {
    reader: NsReader<&'i [u8]>,
    input: &'i str,
}

impl<'i> Slice<'i> {
    fn new(input: &'i str) -> Self {
        // Offsets are then relative to the text after a byte-order mark.
        let input = input.strip_prefix('\u{FEFF}').unwrap_or(input);
        let mut reader = NsReader::from_str(input);
        configure(reader.config_mut());
        Slice { reader, input }
    }
}

impl Source for Slice<'_> {
    fn next_event<'b>(
        &'b mut self,
        _buf: &'b mut Vec<u8>,
    ) -> quick_xml::Result<(bool, Event<'b>, &'b NamespaceResolver)> {
        let (ns, ev) = self.reader.read_resolved_event()?;
        let in_ns = in_namespace(&ns);
        Ok((in_ns, ev, self.reader.resolver()))
    }
    fn mark(&mut self) {}
    fn offset(&self) -> u64 {
        self.reader.buffer_position()
    }
    fn error_offset(&self) -> u64 {
        self.reader.error_position()
    }
    fn line_col(&self, pos: u64) -> (usize, usize) {
        let bytes = self.input.as_bytes();
        let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(bytes.len());
        let before = &bytes[..pos];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = match before.iter().rposition(|&b| b == b'\n') {
            Some(nl) => pos - nl,
            None => pos + 1,
        };
        (line, column)
    }
}

/// The pull parser over a [`Source`].
#[derive(Debug)]
struct Decoder<S> {
    src: S,
    buf: Vec<u8>,
    lex: Lex,
    /// Field path of the element being read (for errors).
    path: Vec<Seg>,
    /// Offset of the start of the last event.
    event_start: u64,
    seen_event: bool,
    state: State,
    /// Index of the next record in a list.
    index: usize,
    /// The root is `personen` (errors carry record indices).
    root_is_list: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Prolog,
    List,
    /// After a validation error inside a record: skip to its end tag.
    Resync,
    Epilog,
    Done,
}

#[derive(Debug, Clone, Copy)]
enum Seg {
    Elem(&'static str),
    Index(usize),
}

enum Ev {
    Start(&'static str),
    End,
    Eof,
}

/// What to do with character data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between child elements: white space only.
    Container,
    /// Inside a value element: collect.
    Value,
    /// Skipping the rest of a record: ignore.
    Skip,
}

/// An error found while an event still borrows the buffer.
enum Fail {
    Xml(String),
    Parser(String),
    Validation(ValidationKind),
}

impl<S: Source> Decoder<S> {
    fn new(src: S) -> Self {
        Decoder {
            src,
            buf: Vec::new(),
            lex: Lex {
                text: String::with_capacity(64),
                ..Lex::default()
            },
            path: Vec::with_capacity(8),
            event_start: 0,
            seen_event: false,
            state: State::Prolog,
            index: 0,
            root_is_list: false,
        }
    }

    // -- errors ------------------------------------------------------------

    fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Elem(e) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    camel_to_snake(e, &mut s);
                }
                Seg::Index(i) => {
                    s.push('[');
                    s.push_str(&i.to_string());
                    s.push(']');
                }
            }
        }
        s
    }

    fn xml_err_at(&self, pos: u64, message: impl Into<String>) -> Error {
        let (line, column) = self.src.line_col(pos);
        Error::Xml {
            field: self.path_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An XML error at the start of the last event.
    fn xml_err(&self, message: impl Into<String>) -> Error {
        self.xml_err_at(self.event_start, message)
    }

    fn verr(&self, kind: ValidationKind) -> Error {
        Error::Validation(ValidationError::new(self.path_string(), kind))
    }

    fn verr_child(&self, child: &'static str, kind: ValidationKind) -> Error {
        let mut field = self.path_string();
        if !field.is_empty() {
            field.push('.');
        }
        camel_to_snake(child, &mut field);
        Error::Validation(ValidationError::new(field, kind))
    }

    fn unexpected(&self, el: &str) -> Error {
        self.xml_err(format!("element `{el}` is not allowed here"))
    }

    // -- events ------------------------------------------------------------

    /// The next structural event. Character data is appended to `self.lex.text`
    /// in [`Mode::Value`], must be white space in [`Mode::Container`] and is
    /// ignored in [`Mode::Skip`].
    fn event(&mut self, mode: Mode) -> Result<Ev> {
        if self.lex.pending_attrs && mode != Mode::Skip {
            return Err(self.xml_err(
                "attributes listURI and listVersionID are allowed only on code elements",
            ));
        }
        self.lex.pending_attrs = false;
        loop {
            self.src.mark();
            self.event_start = self.src.offset();
            // The buffer is moved out so that the event, which may borrow it,
            // can be handled while `self.src` is borrowed.
            let mut buf = std::mem::take(&mut self.buf);
            buf.clear();
            let seen_event = self.seen_event;
            let step: std::result::Result<Option<Ev>, Fail> = match self.src.next_event(&mut buf) {
                Err(e) => Err(Fail::Parser(quick_xml_message(&e))),
                Ok((in_ns, ev, resolver)) => {
                    let lex = &mut self.lex;
                    match ev {
                        Event::Start(e) => lex.start(&e, in_ns, resolver),
                        Event::End(_) => {
                            lex.depth = lex.depth.saturating_sub(1);
                            Ok(Some(Ev::End))
                        }
                        // `expand_empty_elements` is set: never produced.
                        Event::Empty(_) => Err(Fail::Xml("unexpected empty-element tag".into())),
                        Event::Text(t) => lex.character_data(&t.xml10_content(), mode),
                        Event::CData(t) => lex.character_data(&t.xml10_content(), mode),
                        Event::GeneralRef(r) => lex.reference(&r, mode),
                        Event::Comment(_) | Event::PI(_) => Ok(None),
                        Event::Decl(d) => {
                            if seen_event {
                                Err(Fail::Xml(
                                    "the XML declaration must be at the start of the document"
                                        .into(),
                                ))
                            } else {
                                match d.encoding() {
                                    Some(Ok(enc))
                                        if enc.eq_ignore_ascii_case("utf-8")
                                            || enc.eq_ignore_ascii_case("utf8") =>
                                    {
                                        Ok(None)
                                    }
                                    None => Ok(None),
                                    Some(_) => Err(Fail::Xml(
                                        "only UTF-8 encoded documents are accepted".into(),
                                    )),
                                }
                            }
                        }
                        Event::DocType(_) => Err(Fail::Xml(
                            "document type declarations (DOCTYPE, ENTITY) are not accepted".into(),
                        )),
                        Event::Eof => Ok(Some(Ev::Eof)),
                    }
                }
            };
            self.buf = buf;
            self.seen_event = true;
            match step {
                Ok(Some(ev)) => return Ok(ev),
                Ok(None) => continue,
                Err(Fail::Xml(m)) => return Err(self.xml_err(m)),
                Err(Fail::Parser(m)) => {
                    let pos = self.src.error_offset();
                    return Err(self.xml_err_at(pos, m));
                }
                Err(Fail::Validation(k)) => return Err(self.verr(k)),
            }
        }
    }

    /// The next child element of a container, or `None` at its end tag.
    fn child(&mut self) -> Result<Option<&'static str>> {
        match self.event(Mode::Container)? {
            Ev::Start(name) => Ok(Some(name)),
            Ev::End => Ok(None),
            Ev::Eof => Err(self.xml_err("unexpected end of document")),
        }
    }

    /// Read the character data of a value element up to its end tag into
    /// `self.lex.text`.
    fn read_value(&mut self) -> Result<()> {
        self.lex.text.clear();
        match self.event(Mode::Value)? {
            Ev::End => Ok(()),
            Ev::Start(name) => {
                Err(self.xml_err(format!("element `{name}` is not allowed inside a value")))
            }
            Ev::Eof => Err(self.xml_err("unexpected end of document")),
        }
    }

    /// Read a value element and check it with `parse` (surrounding XML
    /// white space removed).
    fn value<T>(&mut self, parse: impl FnOnce(&str) -> Result<T, ValidationKind>) -> Result<T> {
        self.read_value()?;
        parse(xml_trim(&self.lex.text)).map_err(|k| self.verr(k))
    }

    /// As [`Self::value`], keeping white space (telephone numbers).
    fn value_untrimmed<T>(
        &mut self,
        parse: impl FnOnce(&str) -> Result<T, ValidationKind>,
    ) -> Result<T> {
        self.read_value()?;
        parse(&self.lex.text).map_err(|k| self.verr(k))
    }

    fn boolean(&mut self) -> Result<bool> {
        self.value(|s| match s {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(ValidationKind::Format {
                expected: "true or false",
            }),
        })
    }

    fn flag_true(&mut self) -> Result<()> {
        self.value(|s| match s {
            "true" | "1" => Ok(()),
            _ => Err(ValidationKind::Format { expected: "true" }),
        })
    }

    /// Read an optional field element: checks it is not repeated, records
    /// the path, parses with `f`.
    fn field<T>(
        &mut self,
        el: &'static str,
        slot: &mut Option<T>,
        f: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<()> {
        if slot.is_some() {
            return Err(self.xml_err(format!("element `{el}` appears more than once")));
        }
        self.path.push(Seg::Elem(el));
        let v = f(self)?;
        self.path.pop();
        *slot = Some(v);
        Ok(())
    }

    /// Read a list wrapper whose children are all `item` elements.
    #[allow(clippy::too_many_arguments)]
    fn list<T>(
        &mut self,
        el: &'static str,
        item: &'static str,
        min: usize,
        max: usize,
        seen: &mut bool,
        out: &mut Vec<T>,
        mut f: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<()> {
        if *seen {
            return Err(self.xml_err(format!("element `{el}` appears more than once")));
        }
        *seen = true;
        self.path.push(Seg::Elem(el));
        let mut found = 0usize;
        while let Some(name) = self.child()? {
            if name != item {
                return Err(self.unexpected(name));
            }
            self.path.push(Seg::Index(found));
            let v = f(self)?;
            self.path.pop();
            // Entries beyond the limit are checked but not kept.
            if found < max {
                out.push(v);
            }
            found += 1;
        }
        if found > max {
            return Err(self.verr(ValidationKind::Count { min, max, found }));
        }
        self.path.pop();
        Ok(())
    }

    fn code<T>(
        &mut self,
        uri: &'static str,
        parse: impl FnOnce(&str) -> Result<T, ValidationKind>,
    ) -> Result<T> {
        self.lex.pending_attrs = false;
        if std::mem::take(&mut self.lex.has_list_uri) && xml_trim(&self.lex.list_uri) != uri {
            return Err(self.verr(ValidationKind::Other(format!(
                "listURI does not name the code list {uri}"
            ))));
        }
        let mut code: Option<T> = None;
        let mut parse = Some(parse);
        let mut name_seen = false;
        while let Some(el) = self.child()? {
            match el {
                "code" if code.is_none() => {
                    self.read_value()?;
                    let Some(p) = parse.take() else {
                        return Err(self.unexpected(el));
                    };
                    code = Some(p(xml_trim(&self.lex.text)).map_err(|k| self.verr(k))?);
                }
                "name" if !name_seen && code.is_some() => {
                    // The XÖV code type may carry the code's name; it is
                    // informative only.
                    name_seen = true;
                    self.read_value()?;
                }
                _ => return Err(self.unexpected(el)),
            }
        }
        code.ok_or_else(|| self.verr(ValidationKind::Missing))
    }

    fn staat(&mut self) -> Result<Staatsangehoerigkeit> {
        self.code(codes::STAATSANGEHOERIGKEIT_URI, Staatsangehoerigkeit::parse)
    }

    fn name_part(&mut self) -> Result<NamePart> {
        let mut out: Option<NamePart> = None;
        while let Some(el) = self.child()? {
            if out.is_some() {
                return Err(self.xml_err(format!(
                    "element `{el}` is not allowed here: a name part has one of name or nichtVorhanden"
                )));
            }
            match el {
                "name" => out = Some(self.value(NamePart::parse)?),
                "nichtVorhanden" => {
                    self.flag_true()?;
                    out = Some(NamePart::NichtVorhanden);
                }
                _ => return Err(self.unexpected(el)),
            }
        }
        out.ok_or_else(|| self.verr(ValidationKind::Empty))
    }

    fn teil_datum(&mut self) -> Result<TeilbekanntesDatum> {
        let mut out: Option<TeilbekanntesDatum> = None;
        while let Some(el) = self.child()? {
            if out.is_some() {
                return Err(self.xml_err(format!(
                    "element `{el}` is not allowed here: a partial date has one of jahrMonatTag, jahrMonat, jahr or unbekannt"
                )));
            }
            let d = match el {
                "jahrMonatTag" => self.value(|s| match TeilbekanntesDatum::parse(s)? {
                    d @ TeilbekanntesDatum::JahrMonatTag(_) => Ok(d),
                    _ => Err(ValidationKind::Format {
                        expected: "YYYY-MM-DD",
                    }),
                })?,
                "jahrMonat" => self.value(|s| match TeilbekanntesDatum::parse(s)? {
                    d @ TeilbekanntesDatum::JahrMonat { .. } => Ok(d),
                    _ => Err(ValidationKind::Format {
                        expected: "YYYY-MM",
                    }),
                })?,
                "jahr" => self.value(|s| match TeilbekanntesDatum::parse(s)? {
                    d @ TeilbekanntesDatum::Jahr(_) => Ok(d),
                    _ => Err(ValidationKind::Format { expected: "YYYY" }),
                })?,
                "unbekannt" => {
                    self.flag_true()?;
                    TeilbekanntesDatum::Unbekannt
                }
                _ => return Err(self.unexpected(el)),
            };
            out = Some(d);
        }
        out.ok_or_else(|| self.verr(ValidationKind::Empty))
    }

    fn datum(&mut self) -> Result<Datum> {
        self.value(Datum::parse)
    }

    fn person(&mut self) -> Result<Person> {
        let mut fldm_id = None;
        let mut azr_nummer = None;
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
        let Some(fldm_id) = fldm_id else {
            return Err(self.verr_child("fldmId", ValidationKind::Missing));
        };
        let p = Person {
            fldm_id,
            azr_nummer,
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

    fn grundpersonalien(&mut self) -> Result<Grundpersonalien> {
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

    fn namensvariante(&mut self) -> Result<Namensvariante> {
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

    fn aliaspersonalie(&mut self) -> Result<Aliaspersonalie> {
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

    fn identitaetsdokument(&mut self) -> Result<Identitaetsdokument> {
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
        let Some(art) = art else {
            return Err(self.verr_child("art", ValidationKind::Missing));
        };
        let Some(nummer) = nummer else {
            return Err(self.verr_child("nummer", ValidationKind::Missing));
        };
        Ok(Identitaetsdokument {
            art,
            nummer,
            ausstellungsstaat,
            gueltig_bis,
        })
    }

    fn weitere_personalien(&mut self) -> Result<WeiterePersonalien> {
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

    fn anschrift(&mut self) -> Result<Anschrift> {
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

    fn anschriften(&mut self) -> Result<Anschriften> {
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

    fn aufenthalt(&mut self) -> Result<Aufenthalt> {
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

    fn familienangehoeriger(&mut self) -> Result<Familienangehoeriger> {
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
        let Some(beziehung) = beziehung else {
            return Err(self.verr_child("beziehung", ValidationKind::Missing));
        };
        Ok(Familienangehoeriger {
            beziehung,
            fldm_id,
            familienname,
            vornamen,
        })
    }

    fn zustaendigkeit(&mut self) -> Result<Zustaendigkeit> {
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

    fn kontakt(&mut self) -> Result<Kontakt> {
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

    fn gesundheitsuntersuchung(&mut self) -> Result<Gesundheitsuntersuchung> {
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
        let Some(datum) = datum else {
            return Err(self.verr_child("datum", ValidationKind::Missing));
        };
        Ok(Gesundheitsuntersuchung {
            datum,
            ort,
            unbedenklich_fuer_gemeinschaftsunterkunft: unbedenklich,
        })
    }

    fn impfung(&mut self) -> Result<Impfung> {
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
        let Some(art) = art else {
            return Err(self.verr_child("art", ValidationKind::Missing));
        };
        let Some(datum) = datum else {
            return Err(self.verr_child("datum", ValidationKind::Missing));
        };
        Ok(Impfung { art, ort, datum })
    }

    fn asyl(&mut self) -> Result<Asyl> {
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

    fn sprachkenntnis(&mut self) -> Result<Sprachkenntnis> {
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
        let Some(sprache) = sprache else {
            return Err(self.verr_child("sprache", ValidationKind::Missing));
        };
        Ok(Sprachkenntnis { sprache, niveau })
    }

    fn integration(&mut self) -> Result<Integration> {
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

    // -- document level ----------------------------------------------------

    /// One record starting after its `<person>` start tag; errors wrapped
    /// with the record index for list documents.
    fn record(&mut self) -> Result<Person> {
        self.path.clear();
        let r = self.person();
        if self.root_is_list {
            let i = self.index;
            self.index += 1;
            r.map_err(|e| e.at_record(i))
        } else {
            r
        }
    }

    /// After the root element: only white space, comments and processing
    /// instructions may follow.
    fn epilog(&mut self) -> Result<()> {
        self.path.clear();
        match self.event(Mode::Container)? {
            Ev::Eof => Ok(()),
            Ev::Start(_) | Ev::End => Err(self.xml_err("content after the root element")),
        }
    }

    fn step(&mut self) -> Option<Result<Person>> {
        loop {
            match self.state {
                State::Done => return None,
                State::Prolog => {
                    let ev = match self.event(Mode::Container) {
                        Ok(ev) => ev,
                        Err(e) => return Some(Err(e)),
                    };
                    match ev {
                        Ev::Start("personen") => {
                            self.root_is_list = true;
                            self.state = State::List;
                        }
                        Ev::Start("person") => {
                            // Any error of a single-record document ends the
                            // iteration (see `next`).
                            self.state = State::Epilog;
                            return Some(self.record());
                        }
                        Ev::Start(name) => {
                            return Some(Err(self.xml_err(format!(
                                "the root element must be personen or person, found `{name}`"
                            ))));
                        }
                        Ev::End | Ev::Eof => {
                            return Some(Err(self.xml_err("the document has no root element")));
                        }
                    }
                }
                State::List => {
                    self.path.clear();
                    let ev = match self.event(Mode::Container) {
                        Ok(ev) => ev,
                        Err(e) => return Some(Err(e)),
                    };
                    match ev {
                        Ev::Start("person") => {
                            let r = self.record();
                            if r.is_err() {
                                // Validation errors resume after this record;
                                // others end the iteration (see `next`).
                                self.state = State::Resync;
                            }
                            return Some(r);
                        }
                        Ev::Start(name) => return Some(Err(self.unexpected(name))),
                        Ev::End => self.state = State::Epilog,
                        Ev::Eof => {
                            return Some(Err(self.xml_err("unexpected end of document")));
                        }
                    }
                }
                State::Resync => {
                    // Skip the rest of the record that failed validation;
                    // an XML error found there belongs to that record.
                    self.path.clear();
                    let failed = self.index.saturating_sub(1);
                    while self.lex.depth > 1 {
                        match self.event(Mode::Skip) {
                            Ok(Ev::Eof) => {
                                let e = self.xml_err("unexpected end of document");
                                return Some(Err(e.at_record(failed)));
                            }
                            Ok(_) => {}
                            Err(e) => return Some(Err(e.at_record(failed))),
                        }
                    }
                    self.lex.pending_attrs = false;
                    self.state = State::List;
                }
                State::Epilog => {
                    self.state = State::Done;
                    if let Err(e) = self.epilog() {
                        return Some(Err(e));
                    }
                    return None;
                }
            }
        }
    }
}

impl<S: Source> Iterator for Decoder<S> {
    type Item = Result<Person>;

    fn next(&mut self) -> Option<Result<Person>> {
        let r = self.step();
        if matches!(r, Some(Err(ref e)) if !is_recoverable(e)) {
            self.state = State::Done;
        }
        r
    }
}

fn is_recoverable(e: &Error) -> bool {
    matches!(e, Error::Record { source, .. } if matches!(**source, Error::Validation(_)))
}

/// Lexical state shared by the event handlers.
#[derive(Debug, Default)]
struct Lex {
    /// Text of the value element being read.
    text: String,
    /// Element depth (root = 1) after the last event.
    depth: usize,
    /// The last start tag carried `listURI`/`listVersionID` that no code
    /// element has taken yet.
    pending_attrs: bool,
    /// Value of `listURI` on the last start tag, if it had one.
    list_uri: String,
    has_list_uri: bool,
}

impl Lex {
    /// Handle a start tag: known name, namespace, permitted attributes.
    fn start(
        &mut self,
        e: &quick_xml::events::BytesStart<'_>,
        in_ns: bool,
        resolver: &NamespaceResolver,
    ) -> std::result::Result<Option<Ev>, Fail> {
        let local = e.local_name();
        let local = local.as_ref();
        let Some(name) = intern(local) else {
            return Err(Fail::Xml(format!("unknown element `{}`", sanitize(local))));
        };
        if !in_ns {
            return Err(Fail::Xml(format!(
                "element `{name}` is not in namespace {NAMESPACE}"
            )));
        }
        self.has_list_uri = false;
        let mut has_code_attr = false;
        for attr in e.attributes() {
            let attr = attr.map_err(|err| Fail::Xml(format!("malformed attribute: {err}")))?;
            if attr.key.as_namespace_binding().is_some() {
                continue;
            }
            let (ans, alocal) = resolver.resolve_attribute(attr.key);
            let alocal = alocal.as_ref();
            let known = match ans {
                ResolveResult::Unbound => match alocal {
                    "listURI" => {
                        has_code_attr = true;
                        let v = attr
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|err| {
                                Fail::Xml(format!("attribute listURI: {}", quick_xml_message(&err)))
                            })?;
                        self.list_uri.clear();
                        self.list_uri.push_str(&v);
                        self.has_list_uri = true;
                        true
                    }
                    "listVersionID" => {
                        has_code_attr = true;
                        attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|err| {
                                Fail::Xml(format!(
                                    "attribute listVersionID: {}",
                                    quick_xml_message(&err)
                                ))
                            })?;
                        true
                    }
                    _ => false,
                },
                ResolveResult::Bound(n) => {
                    n.0 == XSI && matches!(alocal, "schemaLocation" | "noNamespaceSchemaLocation")
                }
                ResolveResult::Unknown(_) => false,
            };
            if !known {
                return Err(Fail::Xml(format!(
                    "attribute `{}` is not allowed",
                    sanitize(attr.key.0)
                )));
            }
        }
        self.pending_attrs = has_code_attr;
        self.depth += 1;
        Ok(Some(Ev::Start(name)))
    }

    fn character_data(
        &mut self,
        content: &str,
        mode: Mode,
    ) -> std::result::Result<Option<Ev>, Fail> {
        // Indentation between elements: the common case.
        if mode != Mode::Value && is_xml_whitespace(content) {
            return Ok(None);
        }
        if let Some(msg) = check_chars(content) {
            return Err(Fail::Xml(msg));
        }
        match mode {
            Mode::Value => {
                if self.text.len() + content.len() > MAX_VALUE_BYTES {
                    return Err(Fail::Validation(ValidationKind::TooLong {
                        max: MAX_VALUE_BYTES,
                    }));
                }
                self.text.push_str(content);
            }
            Mode::Container if !is_xml_whitespace(content) => {
                return Err(Fail::Xml("text is not allowed here".into()));
            }
            Mode::Container | Mode::Skip => {}
        }
        Ok(None)
    }

    fn reference(
        &mut self,
        r: &quick_xml::events::BytesRef<'_>,
        mode: Mode,
    ) -> std::result::Result<Option<Ev>, Fail> {
        let c = match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => c,
            Ok(Some(c)) => {
                return Err(Fail::Xml(format!(
                    "character reference to U+{:04X}, which XML 1.0 does not allow",
                    c as u32
                )));
            }
            Ok(None) => match quick_xml::escape::resolve_xml_entity(r) {
                Some(s) => s.chars().next().unwrap_or(' '),
                None => {
                    return Err(Fail::Xml(format!(
                        "entity reference `&{};` is not allowed (only the predefined entities and character references)",
                        sanitize(r)
                    )));
                }
            },
            Err(e) => {
                return Err(Fail::Xml(format!(
                    "invalid character reference: {}",
                    quick_xml_message(&e)
                )));
            }
        };
        let mut tmp = [0u8; 4];
        self.character_data_ref(c.encode_utf8(&mut tmp), mode)
    }

    /// Character data from a reference: like literal character data, but
    /// the XML character check has been done already.
    fn character_data_ref(&mut self, s: &str, mode: Mode) -> std::result::Result<Option<Ev>, Fail> {
        match mode {
            Mode::Value => {
                if self.text.len() + s.len() > MAX_VALUE_BYTES {
                    return Err(Fail::Validation(ValidationKind::TooLong {
                        max: MAX_VALUE_BYTES,
                    }));
                }
                self.text.push_str(s);
            }
            Mode::Container if !is_xml_whitespace(s) => {
                return Err(Fail::Xml("text is not allowed here".into()));
            }
            Mode::Container | Mode::Skip => {}
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Every element name of the format, sorted (for binary search).
const NAMES: &[&str] = &[
    "aktuell",
    "aliaspersonalie",
    "aliaspersonalien",
    "andereSchreibweisen",
    "anschrift",
    "art",
    "asyl",
    "aufenthalt",
    "aufenthaltsstatus",
    "aufnahmeeinrichtung",
    "auslaenderbehoerde",
    "ausreisedatum",
    "ausstellungsstaat",
    "auszugsdatum",
    "azrNummer",
    "beruf",
    "berufsausbildung",
    "berufsbezogeneDeutschsprachfoerderung",
    "beziehung",
    "bundesland",
    "code",
    "datum",
    "doktorgrad",
    "einreisedatum",
    "einzugsdatum",
    "email",
    "familienangehoerige",
    "familienangehoeriger",
    "familienname",
    "familiennameNachDeutschemRecht",
    "familienstand",
    "fldmId",
    "fruehere",
    "fruehereNamen",
    "geburtsbezirk",
    "geburtsdatum",
    "geburtsland",
    "geburtsname",
    "geburtsort",
    "geschlecht",
    "gesundheitsuntersuchung",
    "grundpersonalien",
    "gueltigBis",
    "hausnummer",
    "identitaetsdokument",
    "identitaetsdokumente",
    "impfung",
    "impfungen",
    "integration",
    "jahr",
    "jahrMonat",
    "jahrMonatTag",
    "jugendamt",
    "kontakt",
    "name",
    "namensvariante",
    "nichtVorhanden",
    "niveau",
    "nummer",
    "ort",
    "person",
    "personen",
    "postleitzahl",
    "religion",
    "schulbildung",
    "sprache",
    "sprachkenntnis",
    "sprachkenntnisse",
    "staatDirekteEinreise",
    "staatsangehoerigkeit",
    "staatsangehoerigkeiten",
    "sterbedatum",
    "strasse",
    "studium",
    "telefon",
    "unbedenklichFuerGemeinschaftsunterkunft",
    "unbekannt",
    "vornamen",
    "weiterePersonalien",
    "zusatz",
    "zustaendigkeit",
];

fn intern(local: &str) -> Option<&'static str> {
    NAMES.binary_search(&local).ok().map(|i| NAMES[i])
}

fn camel_to_snake(s: &str, out: &mut String) {
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
}

/// A name from the input, safe and short enough to quote in a message.
fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(40)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '#') {
                c
            } else {
                '?'
            }
        })
        .collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn quick_xml_message(e: &impl std::fmt::Display) -> String {
    // quick-xml messages name tags and positions, not character data; keep
    // them short all the same.
    let mut m = e.to_string();
    if m.len() > 200 {
        let mut cut = 200;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        m.truncate(cut);
        m.push('…');
    }
    m
}

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

fn xml_trim(s: &str) -> &str {
    s.trim_matches(is_xml_space)
}

/// Whether `c` is a character XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Characters XML 1.0 does not allow, in literal character data: C0
/// controls other than tab, newline and carriage return, U+FFFE, U+FFFF.
fn check_chars(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let bad = b.iter().enumerate().any(|(i, &x)| {
        (x < 0x20 && !matches!(x, b'\t' | b'\n' | b'\r'))
            || (x == 0xEF
                && b.get(i + 1) == Some(&0xBF)
                && matches!(b.get(i + 2), Some(0xBE | 0xBF)))
    });
    if bad {
        let c = s.chars().find(|c| !is_xml_char(*c)).unwrap_or('\0');
        return Some(format!(
            "character U+{:04X}, which XML 1.0 does not allow",
            c as u32
        ));
    }
    None
}

/// A `BufRead` adapter that counts lines so errors can give line and
/// column for streamed input. Strips a leading UTF-8 byte-order mark.
#[derive(Debug)]
struct LineCounter<R> {
    inner: R,
    /// Bytes consumed so far.
    consumed: u64,
    /// Newlines before the current window.
    base_lines: u64,
    /// Offset of the last newline before the current window.
    base_last_nl: Option<u64>,
    /// Offsets of the newlines consumed since the last [`Self::mark`].
    window: Vec<u64>,
    bom_checked: bool,
}

impl<R: BufRead> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            consumed: 0,
            base_lines: 0,
            base_last_nl: None,
            window: Vec::new(),
            bom_checked: false,
        }
    }
}

impl<R> LineCounter<R> {
    /// Start a new window at the current offset.
    fn mark(&mut self) {
        if let Some(&last) = self.window.last() {
            self.base_lines += self.window.len() as u64;
            self.base_last_nl = Some(last);
            self.window.clear();
        }
    }

    /// 1-based line and column (in bytes) of offset `pos`, which must not
    /// lie before the current window (earlier offsets give the window start).
    fn line_col(&self, pos: u64) -> (usize, usize) {
        let k = self.window.partition_point(|&o| o < pos);
        let lines = self.base_lines + k as u64;
        let last = if k > 0 {
            Some(self.window[k - 1])
        } else {
            self.base_last_nl
        };
        let column = match last {
            Some(nl) => pos.saturating_sub(nl),
            None => pos + 1,
        };
        (
            usize::try_from(lines + 1).unwrap_or(usize::MAX),
            usize::try_from(column.max(1)).unwrap_or(usize::MAX),
        )
    }
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let b = self.fill_buf()?;
            let n = b.len().min(out.len());
            out[..n].copy_from_slice(&b[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if !self.bom_checked {
            self.bom_checked = true;
            let b = self.inner.fill_buf()?;
            if b.starts_with(b"\xEF\xBB\xBF") {
                self.inner.consume(3);
            }
        }
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if let Ok(b) = self.inner.fill_buf() {
            let n = amt.min(b.len());
            let base = self.consumed;
            for (i, &byte) in b[..n].iter().enumerate() {
                if byte == b'\n' {
                    self.window.push(base + i as u64);
                }
            }
        }
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_sorted_and_unique() {
        assert!(NAMES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn list_uris_match_code_enums() {
        let list = |r: Result<(), ValidationKind>| match r {
            Err(ValidationKind::UnknownCode { list, .. }) => list,
            other => panic!("expected an unknown-code error, got {other:?}"),
        };
        assert_eq!(
            list(Familienstand::parse("?").map(|_| ())),
            FAMILIENSTAND_URI
        );
        assert_eq!(
            list(Aufenthaltsstatus::parse("?").map(|_| ())),
            AUFENTHALTSSTATUS_URI
        );
        assert_eq!(list(Dokumentart::parse("?").map(|_| ())), DOKUMENTART_URI);
        assert_eq!(list(Beziehung::parse("?").map(|_| ())), BEZIEHUNG_URI);
        assert_eq!(list(Sprachniveau::parse("?").map(|_| ())), SPRACHNIVEAU_URI);
        assert_eq!(list(Bundesland::parse("?").map(|_| ())), BUNDESLAND_URI);
    }

    #[test]
    fn line_and_column() {
        let doc = "<?xml version=\"1.0\"?>\n<fldm:personen xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\">\n  <fldm:person>\n    <fldm:bogus/>\n";
        let e = from_xml(doc).expect_err("unknown element");
        match e {
            Error::Record { source, .. } => match *source {
                Error::Xml { line, column, .. } => assert_eq!((line, column), (4, 5)),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn snake_paths() {
        let mut s = String::new();
        camel_to_snake("familiennameNachDeutschemRecht", &mut s);
        assert_eq!(s, "familienname_nach_deutschem_recht");
    }
}
