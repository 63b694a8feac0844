//! `fldm_person`: a Kerndatensatz record, with typed accessors for the
//! Grundpersonalien and JSON/XML text.
//!
//! Every string accessor writes an owned string (free with
//! `fldm_string_free`), or NULL when the record does not carry the value
//! (not disclosed, unknown, or "nicht vorhanden").

use std::ffi::c_char;

use fldm_core::attribute;
use fldm_core::codec::{json, xml};
use fldm_core::record::{NamePart, Person};

use crate::error::{Error, FLDM_E_INVALID_ARGUMENT, fldm_error};
use crate::ptr::{Handle, arg, call, free, out_arg, read};

/// A person record (Kerndatensatz), immutable. Owned by the caller; free
/// with `fldm_person_free`. Safe to read from several threads at once.
#[derive(Debug)]
pub struct fldm_person {
    pub(crate) inner: Person,
}

impl Handle for fldm_person {}

impl fldm_person {
    /// A person holding a copy of `record`: the record of a hub answer,
    /// borrowed by C as long as the answer lives.
    pub(crate) fn copy_of(record: &Person) -> Self {
        fldm_person {
            inner: record.clone(),
        }
    }
}

/// The text values of a record, one per string accessor.
#[derive(Debug, Clone, Copy)]
enum Text {
    FldmId,
    AzrNummer,
    Familienname,
    Geburtsname,
    Vornamen,
    Geburtsdatum,
    Geburtsort,
    Geschlecht,
    Anschrift,
    Attributes,
}

impl Text {
    /// The value in `p`; `None` when the record does not carry it.
    fn of(self, p: &Person) -> Option<String> {
        let g = &p.grundpersonalien;
        let name = |n: &Option<NamePart>| n.as_ref().and_then(NamePart::wert).map(str::to_string);
        match self {
            Text::FldmId => Some(p.fldm_id.to_string()),
            Text::AzrNummer => p.azr_nummer.as_ref().map(ToString::to_string),
            Text::Familienname => name(&g.familienname),
            Text::Geburtsname => name(&g.geburtsname),
            Text::Vornamen => name(&g.vornamen),
            Text::Geburtsdatum => g.geburtsdatum.as_ref().map(|d| d.to_text()),
            Text::Geburtsort => g.geburtsort.as_ref().map(|o| o.as_str().to_string()),
            Text::Geschlecht => g.geschlecht.map(|c| c.as_str().to_string()),
            Text::Anschrift => {
                let aktuell = p.anschrift.aktuell.as_ref();
                aktuell.and_then(|a| serde_json::to_string(a).ok())
            }
            Text::Attributes => serde_json::to_string(&attribute::present(p).names()).ok(),
        }
    }
}

/// Shared body of the string accessors.
///
/// # Safety
/// `person` is NULL or live; `out` is NULL or valid for a write.
unsafe fn text(person: *const fldm_person, out: *mut *mut c_char, which: Text) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(person, "person", out, |p| Ok(which.of(&p.inner))) }
}

/// Shared body of the two decoders: `*out` is the person `decode` makes of
/// the text argument `name`.
///
/// # Safety
/// `text` is NULL or NUL-terminated; `out` is NULL or valid for a write.
unsafe fn decode(
    text: *const c_char,
    name: &'static str,
    out: *mut *mut fldm_person,
    decode: fn(&str) -> fldm_core::Result<Person>,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        call(arg(text, name), out_arg(out, "out"), |text| {
            let inner = decode(text)?;
            Ok(fldm_person { inner })
        })
    }
}

/// Shared body of the two encoders: `*out` is the text `encode` makes of
/// the person.
///
/// # Safety
/// `person` is NULL or live; `out` is NULL or valid for a write.
unsafe fn encode(
    person: *const fldm_person,
    out: *mut *mut c_char,
    encode: fn(&Person) -> String,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { read(person, "person", out, |p| Ok(encode(&p.inner))) }
}

/// Decode a person from JSON (strict: unknown fields are an error naming
/// the field) and validate it.
///
/// # Safety
/// `json` is a NUL-terminated string; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_from_json(
    json: *const c_char,
    out: *mut *mut fldm_person,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        decode(json, "json", out, |t| {
            json::person_from_json(t, json::Strictness::Strict)
        })
    }
}

/// Decode a person from an XML document with the root `<fldm:person>`.
///
/// # Safety
/// `xml` is a NUL-terminated string; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_from_xml(
    xml: *const c_char,
    out: *mut *mut fldm_person,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { decode(xml, "xml", out, xml::person_from_xml) }
}

/// Free a person. NULL is allowed.
///
/// # Safety
/// `person` is NULL or a person from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_free(person: *mut fldm_person) {
    // SAFETY: caller contract.
    unsafe { free(person) }
}

/// Encode as compact JSON (`*out`: owned, free with `fldm_string_free`).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_to_json(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { encode(person, out, json::person_to_json) }
}

/// Encode as an XML document with the root `<fldm:person>`.
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_to_xml(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { encode(person, out, xml::person_to_xml) }
}

/// The FLDM id (always present).
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_fldm_id(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::FldmId) }
}

/// The AZR-Nummer.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_azr_nummer(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::AzrNummer) }
}

/// Familienname.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_familienname(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Familienname) }
}

/// Geburtsname.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_geburtsname(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Geburtsname) }
}

/// Vornamen.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_vornamen(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Vornamen) }
}

/// Geburtsdatum as text: `YYYY-MM-DD`, `YYYY-MM`, `YYYY` or `unbekannt`.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_geburtsdatum(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Geburtsdatum) }
}

/// Geburtsort.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_geburtsort(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Geburtsort) }
}

/// Geschlecht code (XInneres list `geschlecht`): `m`, `w`, `x` or `d`.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_geschlecht(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Geschlecht) }
}

/// The current address (`anschrift.aktuell`) as a JSON object.
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_anschrift_json(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Anschrift) }
}

/// The catalogue names of the attributes the record carries, as a JSON
/// array (e.g. `["grundpersonalien.familienname", ...]`).
/// `*out`: owned string, NULL when absent (see the module notes).
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_attributes_json(
    person: *const fldm_person,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { text(person, out, Text::Attributes) }
}

/// Number of Staatsangehörigkeiten.
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_nationality_count(
    person: *const fldm_person,
    out: *mut usize,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        read(person, "person", out, |p| {
            Ok(p.inner.grundpersonalien.staatsangehoerigkeiten.len())
        })
    }
}

/// The `index`-th Staatsangehörigkeit as its DESTATIS code (3 digits).
/// `FLDM_E_INVALID_ARGUMENT` if `index` is out of range.
///
/// # Safety
/// `person` is a live person; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_nationality_at(
    person: *const fldm_person,
    index: usize,
    out: *mut *mut c_char,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe {
        read(person, "person", out, |p| {
            let list = &p.inner.grundpersonalien.staatsangehoerigkeiten;
            let code = list.get(index).ok_or_else(|| {
                Error::new(
                    FLDM_E_INVALID_ARGUMENT,
                    format!(
                        "index {index} is out of range (the record has {} nationalities)",
                        list.len()
                    ),
                )
            })?;
            Ok(code.as_str().to_string())
        })
    }
}
