//! `fldm_person`: a Kerndatensatz record, with typed accessors for the
//! Grundpersonalien and JSON/XML text.
//!
//! Every string accessor writes an owned string (free with
//! `fldm_string_free`), or NULL when the record does not carry the value
//! (not disclosed, unknown, or "nicht vorhanden").

use std::ffi::c_char;

use fldm_core::codec::{json, xml};
use fldm_core::record::{NamePart, Person};

use crate::boundary::{fallible, guard};
use crate::error::{Error, FLDM_E_INVALID_ARGUMENT, fldm_error};
use crate::ptr::{Out, free_box, handle, new_from_str, opt_string_out, string_out};

/// A person record (Kerndatensatz), immutable. Owned by the caller; free
/// with `fldm_person_free`. Safe to read from several threads at once.
#[derive(Debug)]
pub struct fldm_person {
    pub(crate) inner: Person,
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
        new_from_str(json, "json", out, |text| {
            let inner = json::person_from_json(text, json::Strictness::Strict)?;
            Ok(fldm_person { inner })
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
    unsafe {
        new_from_str(xml, "xml", out, |text| {
            Ok(fldm_person {
                inner: xml::person_from_xml(text)?,
            })
        })
    }
}

/// Free a person. NULL is allowed.
///
/// # Safety
/// `person` is NULL or a person from this library, not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fldm_person_free(person: *mut fldm_person) {
    // SAFETY: caller contract.
    guard(|| unsafe { free_box(person) })
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
    unsafe {
        string_out(person, "person", out, |p| {
            Ok(json::person_to_json(&p.inner))
        })
    }
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
    unsafe { string_out(person, "person", out, |p| Ok(xml::person_to_xml(&p.inner))) }
}

/// Shared body of the string accessors: `*out` is an owned string, or NULL
/// when the record does not carry the value.
///
/// # Safety
/// `person` is NULL or live; `out` is NULL or valid for a write.
unsafe fn accessor(
    person: *const fldm_person,
    out: *mut *mut c_char,
    get: impl FnOnce(&Person) -> Option<String>,
) -> *mut fldm_error {
    // SAFETY: caller contract.
    unsafe { opt_string_out(person, "person", out, |p| Ok(get(&p.inner))) }
}

fn name(n: &Option<NamePart>) -> Option<String> {
    n.as_ref().and_then(NamePart::wert).map(str::to_string)
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
    unsafe { accessor(person, out, |p: &Person| Some(p.fldm_id.to_string())) }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            p.azr_nummer.as_ref().map(|a| a.to_string())
        })
    }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            name(&p.grundpersonalien.familienname)
        })
    }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            name(&p.grundpersonalien.geburtsname)
        })
    }
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
    unsafe { accessor(person, out, |p: &Person| name(&p.grundpersonalien.vornamen)) }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            p.grundpersonalien
                .geburtsdatum
                .as_ref()
                .map(|d| d.to_text())
        })
    }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            p.grundpersonalien
                .geburtsort
                .as_ref()
                .map(|t| t.as_str().to_string())
        })
    }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            p.grundpersonalien
                .geschlecht
                .map(|g| g.as_str().to_string())
        })
    }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            p.anschrift
                .aktuell
                .as_ref()
                .and_then(|a| serde_json::to_string(a).ok())
        })
    }
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
    unsafe {
        accessor(person, out, |p: &Person| {
            serde_json::to_string(&fldm_core::attribute::present(p).names()).ok()
        })
    }
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
    fallible(|| {
        // SAFETY: caller contract.
        let (p, out) = unsafe { (handle(person, "person")?, Out::new(out, "out")?) };
        out.write(p.inner.grundpersonalien.staatsangehoerigkeiten.len());
        Ok(())
    })
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
    fallible(|| {
        // SAFETY: caller contract.
        let (p, out) = unsafe { (handle(person, "person")?, Out::new(out, "out")?) };
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
        out.write_string(code.as_str().to_string());
        Ok(())
    })
}
