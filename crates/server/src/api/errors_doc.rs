//! The error answers that the shared extractors give, added to every
//! operation of the document they apply to.
//!
//! The document must list every status a caller can get (the fuzzing suite
//! of `tests/fuzz/` checks each answer against it). The answers below come
//! from the extractors of `crate::extract`, not from the handlers, so each
//! handler documents only what its own logic answers (403, 409, 412, a
//! rule's 422...) and this pass adds the rest by the operation's shape:
//!
//! - 401 on every operation: `Auth` checks the bearer token first;
//! - 404 on every operation with a path parameter: an id that is not a
//!   positive integer, or names nothing;
//! - 400 on every operation with a query string, a header parameter or a
//!   body: `ApiQuery` refuses unknown and malformed parameters, `IfMatch`
//!   and `Idempotency-Key` malformed values, `ApiJson` a body that is not
//!   JSON, the upload a broken multipart body;
//! - 413, 415 and 422 on every operation with a body: too large, not of the
//!   documented media type, or JSON of the wrong shape.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

/// Adds the extractors' error answers to every operation that can give them
/// (only where the handler did not document that status itself).
pub fn add_standard_errors(doc: &mut OpenApi) {
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            add_to(op);
        }
    }
}

fn add_to(op: &mut Operation) {
    let params: Vec<ParameterIn> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p.parameter_in.clone()),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has = |kind: ParameterIn| params.contains(&kind);
    let body = op.request_body.is_some();
    let mut add = |status: &str, why: &str| {
        if !op.responses.responses.contains_key(status) {
            let response = ResponseBuilder::new()
                .description(why)
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build(),
                )
                .build();
            op.responses.responses.insert(status.to_string(), RefOr::T(response));
        }
    };
    add("401", "No valid bearer token (`unauthenticated`).");
    if has(ParameterIn::Path) {
        add("404", "No such record, or one the caller may not see (`not_found`).");
    }
    if has(ParameterIn::Query) || has(ParameterIn::Header) || body {
        add(
            "400",
            "A malformed query string, header or body (`invalid_query`, `invalid_header`, `malformed_json`...).",
        );
    }
    if body {
        add("413", "The body is larger than allowed (`too_large`).");
        add("415", "The body is not of the documented media type (`unsupported_media_type`).");
        add("422", "The body has a wrong type, a missing or unknown field, or breaks a rule (`invalid_body`...).");
    }
}
