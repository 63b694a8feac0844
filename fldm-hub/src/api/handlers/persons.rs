//! Reading persons: by FLDM id, by AZR-Nummer, and the search by
//! Grundpersonalien.

use fldm_core::ids::{AzrNummer, FldmId};
use fldm_core::matching::{self, Query};
use fldm_core::policy::Operation;
use fldm_core::record::Person;
use fldm_core::wire::{self, DecisionInfo, SearchRequest, SearchResponse};

use super::{
    DEFAULT_SEARCH_LIMIT, MAX_BLOCKED_CANDIDATES, MAX_SEARCH_LIMIT, body, decide, disclosure_reply,
    page_limit, parse_id, record_disclosure, request_body,
};
use crate::api::problem::ApiError;
use crate::api::{Exchange, Reply};

/// `GET /v1/persons/{fldm_id}` (operation `read`).
pub(crate) fn get_person_logic(x: Exchange<'_>, fldm_id: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    // The person asked about is recorded even when the policy denies the
    // read, so that an access report also shows refused attempts.
    if let Ok(id) = FldmId::parse(fldm_id) {
        facts.set_subject(id.as_str());
    }
    let permit = decide(st, ctx, Operation::Read, facts)?;
    let id = parse_id(fldm_id)?;
    let rec = st.store.get(&id)?;
    disclosure_reply(ctx, facts, &permit, &rec)
}

/// `GET /v1/persons/by-azr/{azr_nummer}` (operation `read`).
pub(crate) fn get_by_azr_logic(x: Exchange<'_>, azr_nummer: &str) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let permit = decide(st, ctx, Operation::Read, facts)?;
    let azr = AzrNummer::parse(azr_nummer)
        .map_err(|k| ApiError::invalid("azr_nummer", format!("azr_nummer: {k}")))?;
    facts
        .criteria
        .push(st.pseudonym.criterion("azr_nummer", azr.as_str()));
    let rec = st.store.get_by_azr(&azr)?;
    disclosure_reply(ctx, facts, &permit, &rec)
}

/// `POST /v1/persons/search` (operation `search`): candidates ranked by the
/// Fellegi-Sunter score, each projected to the caller's attributes.
pub(crate) fn search_logic(x: Exchange<'_>) -> Result<Reply, ApiError> {
    let Exchange { st, ctx, facts, .. } = x;
    let b = x.body;
    let permit = decide(st, ctx, Operation::Search, facts)?;
    let req: SearchRequest = request_body(ctx, &b)?;
    let limit = page_limit(req.limit, DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT)?;
    for (attr, v) in req.criteria() {
        facts.criteria.push(st.pseudonym.criterion(attr, v));
    }
    let query = Query::parse(
        req.familienname.as_deref(),
        req.vornamen.as_deref(),
        req.geburtsdatum.as_deref(),
        req.geschlecht.as_deref(),
        req.staatsangehoerigkeit.as_deref(),
    )
    .map_err(ApiError::from)?;
    let keys = matching::query_blocking_keys(&query);
    let blocked = st.store.candidates(&keys, MAX_BLOCKED_CANDIDATES)?;
    let ranked = matching::rank(
        &query,
        blocked.iter().map(|c| &c.record.person),
        0.0,
        limit as usize,
    );
    let mut candidates = Vec::with_capacity(ranked.len());
    for (i, score) in ranked {
        let Some(c) = blocked.get(i) else { continue };
        let record = permit.apply(&c.record.person);
        candidates.push(wire::Candidate {
            score: score.weight,
            probability: score.probability,
            matched_on: score.matched_on.iter().map(|s| s.to_string()).collect(),
            record,
        });
    }
    let resp = SearchResponse {
        request_id: ctx.request_id.clone(),
        decision: DecisionInfo::from_permit(&permit),
        candidates,
    };
    let records: Vec<&Person> = resp.candidates.iter().map(|c| &c.record).collect();
    record_disclosure(facts, &records);
    body(ctx, 200, "suchergebnis", &resp, &records)
}
