//! The pull parser: document structure (list or single record, prolog and
//! epilog), fields, lists and codes, error paths, and recovery after an
//! invalid record in a list.

use std::io::BufRead;

use quick_xml::NsReader;
use quick_xml::events::Event;

use crate::codes::{self, Staatsangehoerigkeit};
use crate::date::{Datum, TeilbekanntesDatum};
use crate::error::{Error, Result, ValidationError, ValidationKind};
use crate::record::{NamePart, Person};

use super::lexer::{Ev, Fail, Lex, Mode, quick_xml_message};
use super::source::{Buffered, LineCounter, Slice, Source, configure};
use super::text::{push_snake_case, xml_trim};

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

    /// A reader of import input (see [`crate::codec::import`]): records
    /// may lack `fldmId`, and the list root may be `persons` as well as
    /// `personen`.
    pub fn for_import(input: R) -> Self {
        let mut r = XmlReader::new(input);
        r.inner.import = true;
        r
    }
}

impl<R: BufRead> Iterator for XmlReader<R> {
    type Item = Result<Person>;

    fn next(&mut self) -> Option<Result<Person>> {
        self.inner.next()
    }
}

/// The pull parser over a [`Source`].
#[derive(Debug)]
pub(super) struct Decoder<S> {
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
    /// Import input: records may lack `fldmId` (they get
    /// [`crate::codec::import::PLACEHOLDER_ID`]), and the list root may
    /// also be called `persons`.
    pub(super) import: bool,
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
impl<S: Source> Decoder<S> {
    pub(super) fn new(src: S) -> Self {
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
            import: false,
        }
    }

    // -- errors ------------------------------------------------------------

    pub(super) fn path_string(&self) -> String {
        let mut s = String::new();
        for seg in &self.path {
            match seg {
                Seg::Elem(e) => {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    push_snake_case(e, &mut s);
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

    pub(super) fn xml_err_at(&self, pos: u64, message: impl Into<String>) -> Error {
        let (line, column) = self.src.line_col(pos);
        Error::Xml {
            field: self.path_string(),
            line,
            column,
            message: message.into(),
        }
    }

    /// An XML error at the start of the last event.
    pub(super) fn xml_err(&self, message: impl Into<String>) -> Error {
        self.xml_err_at(self.event_start, message)
    }

    pub(super) fn verr(&self, kind: ValidationKind) -> Error {
        Error::Validation(ValidationError::new(self.path_string(), kind))
    }

    fn verr_child(&self, child: &'static str, kind: ValidationKind) -> Error {
        let mut field = self.path_string();
        if !field.is_empty() {
            field.push('.');
        }
        push_snake_case(child, &mut field);
        Error::Validation(ValidationError::new(field, kind))
    }

    /// `v`, or a missing-value error for the required child element `child`.
    pub(super) fn required<T>(&self, child: &'static str, v: Option<T>) -> Result<T> {
        v.ok_or_else(|| self.verr_child(child, ValidationKind::Missing))
    }

    pub(super) fn unexpected(&self, el: &str) -> Error {
        self.xml_err(format!("element `{el}` is not allowed here"))
    }

    // -- events ------------------------------------------------------------

    /// The next structural event. Character data is appended to `self.lex.text`
    /// in [`Mode::Value`], must be white space in [`Mode::Container`] and is
    /// ignored in [`Mode::Skip`].
    pub(super) fn event(&mut self, mode: Mode) -> Result<Ev> {
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
    pub(super) fn child(&mut self) -> Result<Option<&'static str>> {
        match self.event(Mode::Container)? {
            Ev::Start(name) => Ok(Some(name)),
            Ev::End => Ok(None),
            Ev::Eof => Err(self.xml_err("unexpected end of document")),
        }
    }

    /// Read the character data of a value element up to its end tag into
    /// `self.lex.text`.
    pub(super) fn read_value(&mut self) -> Result<()> {
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
    pub(super) fn value<T>(
        &mut self,
        parse: impl FnOnce(&str) -> Result<T, ValidationKind>,
    ) -> Result<T> {
        self.read_value()?;
        parse(xml_trim(&self.lex.text)).map_err(|k| self.verr(k))
    }

    /// As [`Self::value`], keeping white space (telephone numbers).
    pub(super) fn value_untrimmed<T>(
        &mut self,
        parse: impl FnOnce(&str) -> Result<T, ValidationKind>,
    ) -> Result<T> {
        self.read_value()?;
        parse(&self.lex.text).map_err(|k| self.verr(k))
    }

    pub(super) fn boolean(&mut self) -> Result<bool> {
        self.value(|s| match s {
            "true" | "1" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(ValidationKind::Format {
                expected: "true or false",
            }),
        })
    }

    pub(super) fn flag_true(&mut self) -> Result<()> {
        self.value(|s| match s {
            "true" | "1" => Ok(()),
            _ => Err(ValidationKind::Format { expected: "true" }),
        })
    }

    /// Read an optional field element: checks it is not repeated, records
    /// the path, parses with `f`.
    pub(super) fn field<T>(
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
    pub(super) fn list<T>(
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

    pub(super) fn code<T>(
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

    pub(super) fn staat(&mut self) -> Result<Staatsangehoerigkeit> {
        self.code(codes::STAATSANGEHOERIGKEIT_URI, Staatsangehoerigkeit::parse)
    }

    /// An element holding exactly one of several children: `f` reads the
    /// child (`None` if it is not one of the choices); `what` names the
    /// choices for the error about a second child.
    fn choice<T>(
        &mut self,
        what: &str,
        mut f: impl FnMut(&mut Self, &'static str) -> Result<Option<T>>,
    ) -> Result<T> {
        let mut out: Option<T> = None;
        while let Some(el) = self.child()? {
            if out.is_some() {
                return Err(self.xml_err(format!("element `{el}` is not allowed here: {what}")));
            }
            match f(self, el)? {
                Some(v) => out = Some(v),
                None => return Err(self.unexpected(el)),
            }
        }
        out.ok_or_else(|| self.verr(ValidationKind::Empty))
    }

    pub(super) fn name_part(&mut self) -> Result<NamePart> {
        self.choice("a name part has one of name or nichtVorhanden", |s, el| {
            Ok(match el {
                "name" => Some(s.value(NamePart::parse)?),
                "nichtVorhanden" => {
                    s.flag_true()?;
                    Some(NamePart::NichtVorhanden)
                }
                _ => None,
            })
        })
    }

    pub(super) fn teil_datum(&mut self) -> Result<TeilbekanntesDatum> {
        // A value element of one precision: the text must have that form.
        fn form(
            s: &str,
            is: fn(&TeilbekanntesDatum) -> bool,
            expected: &'static str,
        ) -> Result<TeilbekanntesDatum, ValidationKind> {
            let d = TeilbekanntesDatum::parse(s)?;
            if is(&d) {
                Ok(d)
            } else {
                Err(ValidationKind::Format { expected })
            }
        }
        use TeilbekanntesDatum as T;
        self.choice(
            "a partial date has one of jahrMonatTag, jahrMonat, jahr or unbekannt",
            |s, el| {
                Ok(match el {
                    "jahrMonatTag" => {
                        Some(s.value(|v| {
                            form(v, |d| matches!(d, T::JahrMonatTag(_)), "YYYY-MM-DD")
                        })?)
                    }
                    "jahrMonat" => {
                        Some(s.value(|v| form(v, |d| matches!(d, T::JahrMonat { .. }), "YYYY-MM"))?)
                    }
                    "jahr" => Some(s.value(|v| form(v, |d| matches!(d, T::Jahr(_)), "YYYY"))?),
                    "unbekannt" => {
                        s.flag_true()?;
                        Some(T::Unbekannt)
                    }
                    _ => None,
                })
            },
        )
    }

    pub(super) fn datum(&mut self) -> Result<Datum> {
        self.value(Datum::parse)
    }

    // -- document level ----------------------------------------------------

    /// One record starting after its `<person>` start tag; errors wrapped
    /// with the record index for list documents.
    pub(super) fn record(&mut self) -> Result<Person> {
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
    pub(super) fn epilog(&mut self) -> Result<()> {
        self.path.clear();
        match self.event(Mode::Container)? {
            Ev::Eof => Ok(()),
            Ev::Start(_) | Ev::End => Err(self.xml_err("content after the root element")),
        }
    }

    pub(super) fn step(&mut self) -> Option<Result<Person>> {
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
                        Ev::Start("persons") if self.import => {
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn person_with(grund: &str) -> String {
        format!(
            "<fldm:person xmlns:fldm=\"urn:fldm:xml:kerndatensatz:1\"><fldm:fldmId>P1</fldm:fldmId><fldm:grundpersonalien>{grund}</fldm:grundpersonalien></fldm:person>"
        )
    }

    #[test]
    fn choice_elements_hold_exactly_one_child() {
        let two = person_with(
            "<fldm:familienname><fldm:name>Haddad</fldm:name><fldm:nichtVorhanden>true</fldm:nichtVorhanden></fldm:familienname>",
        );
        let e = person_from_xml(&two).expect_err("two children");
        assert!(
            e.to_string()
                .contains("a name part has one of name or nichtVorhanden"),
            "{e}"
        );
        assert_eq!(e.field(), Some("grundpersonalien.familienname"));

        let empty = person_with("<fldm:geburtsdatum></fldm:geburtsdatum>");
        let e = person_from_xml(&empty).expect_err("no child");
        assert_eq!(e.field(), Some("grundpersonalien.geburtsdatum"));

        let wrong_form =
            person_with("<fldm:geburtsdatum><fldm:jahr>1990-05</fldm:jahr></fldm:geburtsdatum>");
        match person_from_xml(&wrong_form).expect_err("month in a year element") {
            Error::Validation(v) => assert_eq!(v.kind, ValidationKind::Format { expected: "YYYY" }),
            other => panic!("{other:?}"),
        }

        let unknown =
            person_with("<fldm:geburtsdatum><fldm:name>x</fldm:name></fldm:geburtsdatum>");
        let e = person_from_xml(&unknown).expect_err("not a date element");
        assert!(
            e.to_string().contains("element `name` is not allowed here"),
            "{e}"
        );

        let ok = person_with(
            "<fldm:familienname><fldm:nichtVorhanden>true</fldm:nichtVorhanden></fldm:familienname><fldm:geburtsdatum><fldm:jahrMonat>1990-05</fldm:jahrMonat></fldm:geburtsdatum>",
        );
        let p = person_from_xml(&ok).expect("valid");
        assert_eq!(
            p.grundpersonalien.familienname,
            Some(NamePart::NichtVorhanden)
        );
        assert_eq!(
            p.grundpersonalien.geburtsdatum,
            TeilbekanntesDatum::jahr_monat(1990, 5).ok()
        );
    }
}
