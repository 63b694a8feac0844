//! Writes to person records: creation by the owning office, updates
//! (PATCH) and the address write-back of the housing office. Which
//! attributes a write may touch is decided by the permit
//! ([`fldm_core::policy::Permit::check_create`] and its siblings).

use fldm_core::attribute::{self, AttributeSet};
use fldm_core::ids::FldmId;
use fldm_core::policy::{Operation, Permit};
use fldm_core::record::Person;
use fldm_core::wire::{AddressUpdate, DecisionInfo, WriteResult};

use super::{begin_write, body, idempotent_write, names, parse_id};
use crate::api::format::{self, Format};
use crate::api::problem::ApiError;
use crate::api::{AppState, Ctx, Exchange, Reply};
use crate::audit_log::AuditFacts;
use crate::store::{NewId, PersonRecord};

/// `POST /v1/persons` (operation `write`): create a record. Only an office
/// whose write rule covers all Grundpersonalien may create records (in the
/// reference policy the Ausländerbehörde); it becomes the record's owner.
pub(crate) fn create_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    let permit = begin_write(st, ctx, Operation::Write, facts)?;
    permit.check_create()?;
    let person = format::decode_person(&b, ctx.body_format.clone()?, "new")?;
    permit.check_update(&person)?;
    let office = ctx.office().to_string();
    idempotent_write(st, ctx, facts, &b, |tx, facts| {
        let rec = tx.create(&person, NewId::Assign, &office)?;
        write_result(
            ctx,
            facts,
            &permit,
            201,
            &rec,
            attribute::present(&rec.person),
        )
    })
}

fn expected_version(ctx: &Ctx) -> Result<Option<u64>, ApiError> {
    match &ctx.if_match {
        None => Ok(None),
        Some(v) => {
            v.trim_matches('"').parse::<u64>().map(Some).map_err(|_| {
                ApiError::invalid("If-Match", "If-Match: the record version, e.g. \"3\"")
            })
        }
    }
}

/// An update: the person, the partial record and the attributes to set.
struct Update<'a> {
    id: &'a FldmId,
    patch: &'a Person,
    set: AttributeSet,
}

fn update_with(
    st: &AppState,
    ctx: &Ctx,
    facts: &mut AuditFacts,
    b: &[u8],
    permit: &Permit,
    u: Update<'_>,
) -> Result<Reply, ApiError> {
    let Update { id, patch, set } = u;
    let expected = expected_version(ctx)?;
    let office = ctx.office().to_string();
    facts.set_subject(id.as_str());
    idempotent_write(st, ctx, facts, b, |tx, facts| {
        let before = tx.get(id)?;
        let rec = tx.update(id, patch, set, expected, &office)?;
        let changed = changed_attributes(&before.person, &rec.person, set);
        write_result(ctx, facts, permit, 200, &rec, changed)
    })
}

/// `PATCH /v1/persons/{fldm_id}` (operation `write`): set the attributes
/// present in the partial record. Attributes outside the write rule are
/// `403 policy_denied` naming them. `If-Match: "<version>"` makes the update
/// conditional.
pub(crate) fn update_logic(x: Exchange<'_>, fldm_id: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    let permit = begin_write(st, ctx, Operation::Write, facts)?;
    let id = parse_id(fldm_id)?;
    let patch = format::decode_person(&b, ctx.body_format.clone()?, id.as_str())?;
    if patch.fldm_id != id {
        return Err(ApiError::invalid(
            "fldm_id",
            "fldm_id differs from the path",
        ));
    }
    let set = attribute::present(&patch);
    if set.is_empty() {
        return Err(ApiError::invalid("", "the patch contains no attribute"));
    }
    permit.check_update(&patch)?;
    let u = Update {
        id: &id,
        patch: &patch,
        set,
    };
    update_with(st, ctx, facts, &b, &permit, u)
}

/// `PUT /v1/persons/{fldm_id}/anschrift` (operation `write` on
/// `anschrift.aktuell`): address write-back by the housing office.
pub(crate) fn anschrift_logic(x: Exchange<'_>, fldm_id: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    let permit = begin_write(st, ctx, Operation::Write, facts)?;
    let set = permit.check_address_write()?;
    let id = parse_id(fldm_id)?;
    let mut patch = Person::new(id.clone());
    match ctx.body_format.clone()? {
        Format::Json => {
            let u: AddressUpdate = format::decode_json(&b)?;
            patch.anschrift.aktuell = Some(u.anschrift);
        }
        Format::Xml => {
            // A `<fldm:person>` document that carries only anschrift/aktuell.
            let p = format::decode_person(&b, Format::Xml, id.as_str())?;
            let extra = AttributeSet::from_bits(attribute::present(&p).bits() & !set.bits());
            if !extra.is_empty() {
                return Err(ApiError::invalid(
                    extra.names().first().copied().unwrap_or(""),
                    "an address update carries only anschrift.aktuell",
                ));
            }
            patch.anschrift.aktuell = p.anschrift.aktuell;
            if patch.anschrift.aktuell.is_none() {
                return Err(ApiError::invalid(
                    "anschrift.aktuell",
                    "anschrift.aktuell: value is missing",
                ));
            }
        }
    }
    let u = Update {
        id: &id,
        patch: &patch,
        set,
    };
    update_with(st, ctx, facts, &b, &permit, u)
}

/// The attributes of `set` whose values differ between `a` and `b`.
fn changed_attributes(a: &Person, b: &Person, set: AttributeSet) -> AttributeSet {
    let mut out = AttributeSet::empty();
    for (i, _) in attribute::CATALOGUE.iter().enumerate() {
        if !set.contains_index(i) {
            continue;
        }
        let mut one = AttributeSet::empty();
        one.insert(i);
        if attribute::project(a, one) != attribute::project(b, one) {
            out.insert(i);
        }
    }
    out
}

fn write_result(
    ctx: &Ctx,
    facts: &mut AuditFacts,
    permit: &Permit,
    status: u16,
    rec: &PersonRecord,
    changed: AttributeSet,
) -> Result<Reply, ApiError> {
    facts.set_subject(rec.person.fldm_id.as_str());
    facts.disclosed = names(changed);
    let w = WriteResult {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(permit),
        fldm_id: rec.person.fldm_id.as_str().to_string(),
        version: rec.version,
        changed: names(changed),
    };
    body(ctx, status, "schreibergebnis", &w, &[])
}
