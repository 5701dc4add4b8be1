//! BILLmanager's `clientticket` functions: `GET|POST
//! /compat/billmanager/billmgr?func=…&out=json|xml` (`spec/compat.md`,
//! section billmanager; the function reference of seed 001).
//!
//! A call signs in with `authinfo=<email>:<password>` or a session from
//! `func=auth` (`auth=<sid>`); an agent or admin may add `su=<customer>` to
//! act as that customer. Answers are BILLmanager's `doc` documents in XML
//! (the default) or JSON, errors included, with HTTP 200 as the original.

mod doc;
mod error;
mod filter;
mod params;
mod tickets;

use crate::CompatState;
use crate::common::{self, with_action};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use doc::{Doc, Elem, Out};
use error::BmError;
use params::Params;
use std::net::IpAddr;
use tessera_core::Actor;
use tessera_desk::SessionKind;

/// The dialect's routes, relative to `/compat/billmanager`.
pub fn router() -> Router<CompatState> {
    Router::new().route("/billmgr", get(billmgr).post(billmgr))
}

/// Who a call acts for.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Whom the call acts as: the signed-in user, or the customer named by `su`.
    pub actor: Actor,
    /// Who signed in (the agent behind `su`; else the same as `actor`).
    pub real: Actor,
    /// The client's address, for the message record.
    pub peer: Option<IpAddr>,
}

crate::common::actions! {
    /// The functions this dialect knows, by their names (also the log's
    /// action).
    Function, ACTIONS;
    /// A session for later calls.
    Auth => "auth",
    /// The caller's tickets.
    List => "clientticket",
    /// The stored list filter: read or set.
    Filter => "clientticket.filter",
    /// A ticket: read, open or reply.
    Edit => "clientticket.edit",
    /// Archives tickets.
    Archive => "clientticket.archive",
    /// Paid support incidents (not supported: a clear error).
    Incident => "incident",
}

impl Function {
    /// The function named `func` exactly, if there is one.
    pub fn parse(func: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.name() == func)
    }
}

/// The one endpoint: reads the parameters, signs the caller in and runs
/// the function.
async fn billmgr(State(state): State<CompatState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let peer = common::peer_ip(&parts.extensions);
    let form_body = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|ct| ct.trim().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let Ok(bytes) = axum::body::to_bytes(body, state.config.max_body_bytes).await else {
        let e = BmError::value("", "The request body is too large or could not be read");
        return answer(Out::Xml, "-", Err(e));
    };
    if !form_body && !bytes.is_empty() {
        let e =
            BmError::value("", "Send parameters in the query string or as a form (application/x-www-form-urlencoded)");
        return answer(Out::Xml, "-", Err(e));
    }
    let params = match Params::parse(parts.uri.query(), &bytes) {
        Ok(p) => p,
        Err(e) => return answer(Out::Xml, "-", Err(e)),
    };
    let Some(out) = Out::parse(params.raw("out")) else {
        return answer(Out::Xml, "-", Err(BmError::value("out", "The value of 'out' must be 'xml' or 'json'")));
    };
    let func = params.get("func").map(str::trim).unwrap_or_default();
    let action = Function::parse(func).map_or("unknown", Function::name);
    let result = run(&state, &params, func, peer).await;
    answer(out, action, result)
}

/// Runs one function.
async fn run(state: &CompatState, p: &Params, func: &str, peer: Option<IpAddr>) -> Result<Doc, BmError> {
    let function = Function::parse(func);
    if function == Some(Function::Auth) {
        return auth(state, p, peer).await;
    }
    let caller = sign_in(state, p, peer).await?;
    let Some(function) = function else {
        if func.is_empty() {
            return Err(BmError::missed("func"));
        }
        let shown: String = func.chars().take(64).collect();
        return Err(BmError::new("missed", "func", format!("Unknown function '{shown}'")));
    };
    match function {
        Function::Auth => auth(state, p, peer).await,
        Function::List => tickets::list(state, &caller).await,
        Function::Filter => filter::run(state, &caller, p).await,
        Function::Edit => tickets::edit(state, &caller, p).await,
        Function::Archive => tickets::archive(state, &caller, p).await,
        Function::Incident => Err(BmError::new(
            "unsupported",
            "incident",
            "The function 'incident' (buying paid support incidents) is not supported by this server",
        )),
    }
}

/// `func=auth&username=&password=`: a session for later calls.
async fn auth(state: &CompatState, p: &Params, peer: Option<IpAddr>) -> Result<Doc, BmError> {
    let username = p.required("username")?;
    let password = p.required("password")?;
    let actor = common::password(&state.desk, username, password, peer).await?;
    let sid = state.desk.start_session(&actor, SessionKind::Api).await.map_err(|e| BmError::from_desk(e, None))?.secret;
    Ok(Doc::new(vec![Elem::value("auth", sid.clone()).attr("id", sid)]))
}

/// The caller of a function: a session (`auth`) or `authinfo`, then `su`.
async fn sign_in(state: &CompatState, p: &Params, peer: Option<IpAddr>) -> Result<Caller, BmError> {
    let real = if let Some(sid) = p.get("auth") {
        state.desk.session(SessionKind::Api, sid).await.map_err(|e| BmError::from_desk(e, None))?.actor
    } else if let Some(info) = p.get("authinfo") {
        let (email, password) = info.split_once(':').ok_or_else(BmError::auth)?;
        common::password(&state.desk, email, password, peer).await?
    } else {
        return Err(BmError::auth());
    };
    let actor = match p.get("su") {
        Some(who) => state.desk.act_as_customer(&real, who).await.map_err(|e| BmError::from_desk(e, None))?,
        None => real.clone(),
    };
    Ok(Caller { actor, real, peer })
}

/// The answer to a body above the limit, given before it is read (see
/// [`crate::too_large`]): an error document, in the format `out` of the
/// query string asks for.
pub(crate) fn too_large(query: Option<&str>) -> Response {
    let out = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "out").and_then(|(_, v)| Out::parse(Some(&v))))
        .unwrap_or(Out::Xml);
    answer(out, "-", Err(BmError::value("", "The request body is too large")))
}

/// The HTTP answer of a function, tagged for the request log.
fn answer(out: Out, action: &str, result: Result<Doc, BmError>) -> Response {
    let (status, doc) = match result {
        Ok(doc) => (StatusCode::OK, doc),
        Err(e) if e.is_internal() => (StatusCode::INTERNAL_SERVER_ERROR, e.doc()),
        Err(e) => (StatusCode::OK, e.doc()),
    };
    let mut resp = (status, doc.render(out)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(out.content_type()));
    with_action(resp, action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_function_parses_to_itself_and_nothing_else_parses() {
        assert_eq!(ACTIONS.len(), Function::ALL.len());
        for (f, name) in Function::ALL.iter().zip(ACTIONS) {
            assert_eq!(f.name(), *name);
            assert_eq!(Function::parse(name), Some(*f));
        }
        for other in ["", "clientticket.delete", "CLIENTTICKET", "ticket"] {
            assert_eq!(Function::parse(other), None, "{other}");
        }
    }
}
