//! API tokens (`/admin/tokens`): every token with its owner and last use,
//! a form to issue one (shown once) and revoking.

use super::common::{Nav, form_errors, invalid, notice, require_admin, status_of};
use crate::WebState;
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tessera_core::ids::{TokenId, UserId};
use tessera_core::{Actor, Email, User};
use tessera_desk::{DeskError, TokenInput};
use tessera_store::UserQuery;

/// Whose tokens.
#[derive(Debug, Default, Deserialize)]
pub struct TokensQuery {
    /// A user id (default: yours).
    user: Option<String>,
    done: Option<String>,
}

/// A token as a row of the list.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// Id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// The public half.
    pub identifier: String,
    /// Created.
    pub created: Stamp,
    /// Revoked.
    pub revoked: Option<Stamp>,
}

/// A token just made, shown once.
#[derive(Debug, Clone)]
pub struct Issued {
    /// Bearer token.
    pub token: String,
    /// Public half.
    pub identifier: String,
    /// Secret half.
    pub secret: String,
    /// Whom it acts as.
    pub owner: String,
}

/// What the new-token form shows.
#[derive(Debug, Clone, Default)]
pub struct TokenValues {
    /// Name.
    pub name: String,
    /// For this user (empty: yourself).
    pub user_email: String,
}

#[derive(Template)]
#[template(path = "admin_tokens.html")]
struct TokensPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    /// The user whose tokens are listed, when not yourself: (id, name, e-mail).
    other: Option<(i64, String, String)>,
    rows: Vec<TokenRow>,
    issued: Option<Issued>,
    form: TokenValues,
    errors: FormErrors,
}

async fn render_tokens(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    user: Option<UserId>,
    extra: (TokenValues, FormErrors, Option<Issued>, Option<String>),
) -> Result<Response, WebError> {
    let (mut form, errors, issued, notice) = extra;
    let user = user.filter(|u| *u != s.user.id);
    let here = user.map_or_else(|| "/admin/tokens".to_string(), |u| format!("/admin/tokens?user={u}"));
    let page = Page::new(state, headers, Some(s), "admin", &here);
    let other = match user {
        Some(u) => {
            let v = state.desk.user(&s.actor, u).await?;
            if form.user_email.is_empty() && !errors.any() {
                form.user_email = v.user.email.to_string();
            }
            Some((u.0, v.user.name, v.user.email.to_string()))
        }
        None => None,
    };
    let rows = state
        .desk
        .list_tokens(&s.actor, user)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            id: t.id.0,
            name: t.name,
            identifier: t.identifier,
            created: Stamp::of(t.created_at),
            revoked: t.revoked_at.map(Stamp::of),
        })
        .collect();
    html_status(
        status_of(&errors),
        &TokensPage { nav: Nav::list("tokens"), notice, other, rows, issued, form, errors, page },
    )
}

/// Your API tokens (or a user's, with `?user=`) and a form for a new one.
pub async fn tokens(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<TokensQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("revoked", "admin.tokens.revoked")]);
    let user = q.user.as_deref().and_then(|u| u.trim().parse::<i64>().ok()).filter(|u| *u > 0).map(UserId);
    render_tokens(&state, &headers, &s, user, (TokenValues::default(), FormErrors::default(), None, notice)).await
}

/// The user an address belongs to, through the desk's user search.
async fn user_by_email(state: &WebState, actor: &Actor, raw: &str) -> Result<User, DeskError> {
    let email = Email::parse(raw).map_err(|_| invalid("user_email", "invalid_email"))?;
    let wanted = email.normalized();
    let q = UserQuery { search: Some(wanted.clone()), limit: 200, ..UserQuery::default() };
    state
        .desk
        .list_users(actor, q)
        .await?
        .into_iter()
        .find(|u| u.email.normalized() == wanted)
        .ok_or_else(|| invalid("user_email", "unknown_user"))
}

/// Makes a token and shows it, once.
pub async fn create_token(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let values = TokenValues {
        name: form.get("name").unwrap_or_default().to_string(),
        user_email: form.get("user_email").unwrap_or_default().trim().to_string(),
    };
    let owner = if values.user_email.is_empty() {
        Ok(s.user.clone())
    } else {
        user_by_email(&state, &s.actor, &values.user_email).await
    };
    let result = match owner {
        Ok(owner) => {
            let input = TokenInput { name: form.text("name"), user_id: Some(owner.id) };
            state.desk.create_token(&s.actor, input).await.map(|t| (owner, t))
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((owner, t)) => {
            let issued = Issued {
                token: t.token,
                identifier: t.record.identifier,
                secret: t.secret,
                owner: format!("{} <{}>", owner.name, owner.email),
            };
            let notice = Some(i.t("admin.tokens.created").to_string());
            let extra = (TokenValues::default(), FormErrors::default(), Some(issued), notice);
            render_tokens(&state, &headers, &s, Some(owner.id), extra).await
        }
        Err(e) => {
            let mut errors = form_errors(&i, e)?;
            // The desk names the owner `user_id`; the form asks for an address.
            if let Some(m) = errors.by_field.remove("user_id") {
                errors.add("user_email", m);
            }
            let user = form.id("user").map(UserId);
            render_tokens(&state, &headers, &s, user, (values, errors, None, None)).await
        }
    }
}

/// Revokes a token, then back to the list it was on.
pub async fn revoke_token(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.revoke_token(&s.actor, TokenId(id)).await?;
    Ok(see_other(&match form.id("user") {
        Some(u) => format!("/admin/tokens?user={u}&done=revoked"),
        None => "/admin/tokens?done=revoked".to_string(),
    }))
}
