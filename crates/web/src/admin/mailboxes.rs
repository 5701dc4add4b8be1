//! IMAP mailboxes (`/admin/mailboxes`): the list with how reading each is
//! going, a form for a new one, a mailbox's page with its status, its
//! settings and deletion. See docs/email.md, "From an IMAP mailbox".
//!
//! Admins only, like the rest of `/admin`. Every change goes through the
//! desk's mailbox methods, exactly as `/api/v1/mailboxes` does. The
//! password or access token is write-only: never put back into a form
//! (not even a refused one); left empty on a change, the stored one stays.

use super::common::{DoneQuery, Nav, form_errors, invalid, notice, require_admin};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, Page, WebError, html, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use crate::view::choice::{Choice, choices};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use tessera_core::ids::{DepartmentId, MailboxId};
use tessera_desk::DeskError;
use tessera_desk::mail::{MailboxInput, MailboxView};
use tessera_store::{AfterImportKind, MailboxAuthKind, MailboxState};

fn nav(on_its_page: bool) -> Nav {
    if on_its_page { Nav::list("mailboxes") } else { Nav::sub("mailboxes") }
}

fn state_label(i: &I18n, s: MailboxState, auth: MailboxAuthKind) -> String {
    match (s, auth) {
        (MailboxState::Ok, _) => i.t("admin.mailboxes.state_ok"),
        (MailboxState::Error, _) => i.t("admin.mailboxes.state_error"),
        (MailboxState::Reauthorise, MailboxAuthKind::Password) => i.t("admin.mailboxes.state_reauthorise"),
        (MailboxState::Reauthorise, MailboxAuthKind::Oauth2) => i.t("admin.mailboxes.state_reauthorise_oauth"),
    }
    .to_string()
}

fn after_import_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices(
        [
            (AfterImportKind::Keyword, "admin.mailboxes.after_keyword"),
            (AfterImportKind::Move, "admin.mailboxes.after_move"),
            (AfterImportKind::Delete, "admin.mailboxes.after_delete"),
        ]
        .map(|(k, key)| (k.as_str().to_string(), i.t(key).to_string())),
        selected,
    )
}

/// What a mailbox form shows: never the password or token.
#[derive(Debug, Clone, Default)]
pub struct MailboxValues {
    /// The department's id, as text.
    pub department_id: String,
    /// The address it receives.
    pub address: String,
    /// `imaps://host[:port]`.
    pub imap_url: String,
    /// STARTTLS on `imap://`.
    pub starttls: bool,
    /// The account name.
    pub username: String,
    /// The folder read.
    pub folder: String,
    /// `keyword`, `move` or `delete`.
    pub after_import: String,
    /// Where messages are moved.
    pub move_folder: String,
    /// Read.
    pub active: bool,
    /// OAuth2: `google`, `microsoft`, `custom`, or empty (a password).
    pub oauth2_provider: String,
    /// Microsoft's tenant.
    pub oauth2_tenant: String,
    /// A custom provider's authorisation page.
    pub oauth2_authorize_url: String,
    /// A custom provider's token endpoint.
    pub oauth2_token_url: String,
    /// The scopes (custom providers).
    pub oauth2_scope: String,
    /// The client id.
    pub oauth2_client_id: String,
}

impl MailboxValues {
    fn blank() -> Self {
        Self { folder: "INBOX".into(), after_import: "keyword".into(), active: true, ..Self::default() }
    }

    fn of(m: &MailboxView) -> Self {
        Self {
            department_id: m.department_id.to_string(),
            address: m.address.clone(),
            imap_url: m.imap_url.clone(),
            starttls: m.starttls,
            username: m.username.clone(),
            folder: m.folder.clone(),
            after_import: m.after_import.as_str().to_string(),
            move_folder: m.move_folder.clone().unwrap_or_default(),
            active: m.active,
            oauth2_provider: m.oauth2.as_ref().map(|o| o.provider.clone()).unwrap_or_default(),
            oauth2_tenant: m.oauth2.as_ref().and_then(|o| o.tenant.clone()).unwrap_or_default(),
            oauth2_authorize_url: m.oauth2.as_ref().and_then(|o| o.authorize_url.clone()).unwrap_or_default(),
            oauth2_token_url: m.oauth2.as_ref().and_then(|o| o.token_url.clone()).unwrap_or_default(),
            oauth2_scope: m.oauth2.as_ref().and_then(|o| o.scope.clone()).unwrap_or_default(),
            oauth2_client_id: m.oauth2.as_ref().and_then(|o| o.client_id.clone()).unwrap_or_default(),
        }
    }

    fn from_form(f: &Form) -> Self {
        let s = |n: &str| f.get(n).unwrap_or_default().to_string();
        Self {
            department_id: s("department_id"),
            address: s("address"),
            imap_url: s("imap_url"),
            starttls: f.checked("starttls"),
            username: s("username"),
            folder: s("folder"),
            after_import: s("after_import"),
            move_folder: s("move_folder"),
            active: f.checked("active"),
            oauth2_provider: s("oauth2_provider"),
            oauth2_tenant: s("oauth2_tenant"),
            oauth2_authorize_url: s("oauth2_authorize_url"),
            oauth2_token_url: s("oauth2_token_url"),
            oauth2_scope: s("oauth2_scope"),
            oauth2_client_id: s("oauth2_client_id"),
        }
    }
}

/// A secret field: what was typed, as typed; empty (or blank) is none —
/// on a change, the stored one stays.
fn secret(f: &Form, name: &str) -> Option<String> {
    f.get(name).filter(|s| !s.trim().is_empty()).map(str::to_string)
}

/// The desk's input of a mailbox form (every field is on the form, so every
/// setting is sent; empty required text is refused here, not taken as
/// "unchanged").
fn mailbox_input(f: &Form) -> Result<MailboxInput, DeskError> {
    let required = |n: &str| f.text(n).ok_or_else(|| invalid(n, "required"));
    let department_id = f.id("department_id").map(DepartmentId).ok_or_else(|| invalid("department_id", "required"))?;
    let after_import = match f.get("after_import").map(str::trim) {
        None | Some("") => AfterImportKind::Keyword,
        Some(v) => AfterImportKind::parse(v).ok_or_else(|| invalid("after_import", "invalid_option"))?,
    };
    // OAuth2 fields only with a provider chosen; a custom provider's URLs
    // and scopes only for it (Google's and Microsoft's are known).
    let provider = f.text("oauth2_provider");
    let oauth = |n: &str| if provider.is_some() { f.text(n) } else { None };
    let custom = |n: &str| if provider.as_deref() == Some("custom") { f.text(n) } else { None };
    let tenant = match provider.as_deref() {
        Some("microsoft") => Some(f.text("oauth2_tenant").unwrap_or_default()),
        _ => None,
    };
    Ok(MailboxInput {
        oauth2_tenant: tenant,
        oauth2_authorize_url: custom("oauth2_authorize_url"),
        oauth2_token_url: custom("oauth2_token_url"),
        oauth2_scope: custom("oauth2_scope"),
        oauth2_client_id: oauth("oauth2_client_id"),
        oauth2_client_secret: if provider.is_some() { secret(f, "oauth2_client_secret") } else { None },
        oauth2_refresh_token: if provider.is_some() { secret(f, "oauth2_refresh_token") } else { None },
        oauth2_provider: provider.clone(),
        department_id: Some(department_id),
        address: Some(required("address")?),
        imap_url: Some(required("imap_url")?),
        starttls: Some(f.checked("starttls")),
        username: Some(required("username")?),
        password: secret(f, "password"),
        oauth2_access_token: secret(f, "oauth2_access_token"),
        folder: Some(f.text("folder").unwrap_or_else(|| "INBOX".to_string())),
        after_import: Some(after_import),
        move_folder: f.text("move_folder"),
        active: Some(f.checked("active")),
    })
}

/// The messages of a refused mailbox form: the desk's own reason for a bad
/// URL or folder follows ours.
fn mailbox_errors(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    let special = match (e.field(), e.code()) {
        (Some("imap_url"), "invalid") => Some(("imap_url", i.t1("admin.mailboxes.bad_url", &e))),
        (Some(f @ ("folder" | "move_folder")), "invalid") => Some((f, i.t1("admin.mailboxes.bad_folder", &e))),
        (Some("username"), "invalid") => Some(("username", i.t("admin.mailboxes.username_rule").to_string())),
        (Some("address"), "invalid") => Some(("address", i.t("admin.mailboxes.bad_address").to_string())),
        (Some("password"), "conflict") => Some(("password", i.t("admin.mailboxes.secret_both").to_string())),
        (Some("password"), "required") => Some(("password", i.t("admin.mailboxes.secret_needed").to_string())),
        (Some(f @ ("password" | "oauth2_access_token")), "invalid") => {
            Some((f, i.t("admin.mailboxes.secret_rule").to_string()))
        }
        (Some("move_folder"), "required") => Some(("move_folder", i.t("admin.mailboxes.move_needed").to_string())),
        (Some(f @ ("oauth2_client_id" | "oauth2_token_url")), "required") => {
            Some((f, i.t("admin.mailboxes.oauth_needed").to_string()))
        }
        (Some(f @ ("oauth2_authorize_url" | "oauth2_token_url" | "oauth2_tenant" | "oauth2_client_id")), "invalid") => {
            Some((f, i.t1("admin.mailboxes.bad_oauth", &e)))
        }
        (Some(f @ ("oauth2_client_secret" | "oauth2_refresh_token")), "invalid") => {
            Some((f, i.t("admin.mailboxes.secret_rule").to_string()))
        }
        (Some("department_id"), "not_found") => {
            Some(("department_id", i.t("admin.mailboxes.no_department").to_string()))
        }
        _ => None,
    };
    match special {
        Some((field, message)) => {
            let mut f = FormErrors::default();
            f.add(field, message);
            Ok(f)
        }
        None => form_errors(i, e),
    }
}

/// A mailbox as a row of the list.
#[derive(Debug, Clone)]
pub struct MailboxRow {
    /// Id.
    pub id: i64,
    /// The address it receives.
    pub address: String,
    /// Its department's name.
    pub department: String,
    /// The server.
    pub imap_url: String,
    /// The folder read.
    pub folder: String,
    /// Read or paused.
    pub active: bool,
    /// `ok`, `error`, `reauthorise` (the badge's class).
    pub state: &'static str,
    /// Its label.
    pub state_label: String,
    /// Why the last fetch failed.
    pub last_error: Option<String>,
    /// When a fetch was last tried.
    pub last_fetch: Option<Stamp>,
    /// When one last worked.
    pub last_success: Option<Stamp>,
    /// Messages waiting on the server.
    pub backlog: i64,
    /// UIDVALIDITY read last.
    pub uid_validity: i64,
    /// The highest UID kept.
    pub last_uid: i64,
    /// Password or OAuth2, in words.
    pub auth_label: String,
    /// The "Authorise with …" button's words, when the mailbox has an
    /// OAuth2 provider to send an admin to.
    pub authorise: Option<String>,
    /// When the OAuth2 access token runs out.
    pub token_expiry: Option<Stamp>,
}

fn mailbox_row(i: &I18n, m: &MailboxView, departments: &[(i64, String)]) -> MailboxRow {
    let d = m.department_id.0;
    MailboxRow {
        id: m.id.0,
        address: m.address.clone(),
        department: departments.iter().find(|(id, _)| *id == d).map_or_else(|| format!("#{d}"), |(_, n)| n.clone()),
        imap_url: m.imap_url.clone(),
        folder: m.folder.clone(),
        active: m.active,
        state: m.status.state.as_str(),
        state_label: state_label(i, m.status.state, m.auth),
        last_error: m.status.last_error.clone(),
        last_fetch: m.status.last_fetch_at.map(Stamp::of),
        last_success: m.status.last_success_at.map(Stamp::of),
        backlog: m.status.backlog,
        uid_validity: m.status.uid_validity,
        last_uid: m.status.last_uid,
        auth_label: match m.auth {
            MailboxAuthKind::Password => i.t("admin.mailboxes.auth_password"),
            MailboxAuthKind::Oauth2 => i.t("admin.mailboxes.auth_oauth2"),
        }
        .to_string(),
        authorise: m.oauth2.as_ref().filter(|o| o.authorize_url.is_some()).map(|o| match o.provider.as_str() {
            "google" => i.t("admin.mailboxes.authorise_google").to_string(),
            "microsoft" => i.t("admin.mailboxes.authorise_microsoft").to_string(),
            _ => i.t("admin.mailboxes.authorise_custom").to_string(),
        }),
        token_expiry: m.oauth2.as_ref().and_then(|o| o.access_token_expires_at).map(Stamp::of),
    }
}

/// Departments as (id, name), in the order of every department list.
async fn departments(state: &WebState, s: &SignedIn, lang: crate::i18n::Lang) -> Result<Vec<(i64, String)>, WebError> {
    let mut all = state.desk.list_departments(&s.actor).await?;
    crate::view::choice::sort_departments(lang, &mut all, |d| &d.department);
    Ok(all.into_iter().map(|d| (d.department.id.0, d.department.name)).collect())
}

fn department_choices(departments: &[(i64, String)], selected: &str) -> Vec<Choice> {
    choices(departments.iter().map(|(id, n)| (id.to_string(), n.clone())), selected)
}

#[derive(Template)]
#[template(path = "admin_mailboxes.html")]
struct MailboxesPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<MailboxRow>,
}

/// The mailboxes and how reading each is going.
pub async fn mailboxes(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let page = Page::new(&state, &headers, Some(&s), "admin", "/admin/mailboxes");
    let i = page.i;
    let notice = notice(
        &i,
        q.done.as_deref(),
        &[("created", "admin.mailboxes.created"), ("saved", "done.saved"), ("deleted", "admin.mailboxes.deleted")],
    );
    let depts = departments(&state, &s, i.lang).await?;
    let rows = state.desk.list_mailboxes(&s.actor).await?.iter().map(|m| mailbox_row(&i, m, &depts)).collect();
    html(&MailboxesPage { nav: nav(true), notice, rows, page })
}

#[derive(Template)]
#[template(path = "admin_mailbox.html")]
struct MailboxPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    /// The mailbox shown (none: the form for a new one).
    mailbox: Option<MailboxRow>,
    title: String,
    action: String,
    form: MailboxValues,
    departments: Vec<Choice>,
    after_imports: Vec<Choice>,
    providers: Vec<Choice>,
    errors: FormErrors,
}

fn provider_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices(
        [
            ("", "admin.mailboxes.provider_none"),
            ("google", "admin.mailboxes.provider_google"),
            ("microsoft", "admin.mailboxes.provider_microsoft"),
            ("custom", "admin.mailboxes.provider_custom"),
        ]
        .map(|(k, key)| (k.to_string(), i.t(key).to_string())),
        selected,
    )
}

async fn render_mailbox(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: Option<MailboxId>,
    form: Option<MailboxValues>,
    errors: FormErrors,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let here = id.map_or_else(|| "/admin/mailboxes/new".to_string(), |id| format!("/admin/mailboxes/{id}"));
    let page = Page::new(state, headers, Some(s), "admin", &here);
    let i = page.i;
    let depts = departments(state, s, i.lang).await?;
    let (mailbox, form, title) = match id {
        Some(id) => {
            let m = state.desk.mailbox(&s.actor, id).await?;
            let form = form.unwrap_or_else(|| MailboxValues::of(&m));
            (Some(mailbox_row(&i, &m, &depts)), form, m.address)
        }
        None => (None, form.unwrap_or_else(MailboxValues::blank), i.t("admin.mailboxes.new").to_string()),
    };
    html_status(
        errors.status(),
        &MailboxPage {
            nav: nav(false),
            notice,
            mailbox,
            title,
            action: here,
            departments: department_choices(&depts, &form.department_id),
            after_imports: after_import_choices(&i, &form.after_import),
            providers: provider_choices(&i, &form.oauth2_provider),
            form,
            errors,
            page,
        },
    )
}

/// The form for a new mailbox.
pub async fn new_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    render_mailbox(&state, &headers, &s, None, None, FormErrors::default(), None).await
}

/// Adds a mailbox, then back to the list.
pub async fn create(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match mailbox_input(&form) {
        Ok(input) => state.desk.create_mailbox(&s.actor, input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/mailboxes?done=created")),
        Err(e) => {
            let errors = mailbox_errors(&i, e)?;
            render_mailbox(&state, &headers, &s, None, Some(MailboxValues::from_form(&form)), errors, None).await
        }
    }
}

/// A mailbox's status and settings.
pub async fn mailbox(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = notice(&i, q.done.as_deref(), &[("authorised", "admin.mailboxes.authorised")]);
    render_mailbox(&state, &headers, &s, Some(MailboxId(id)), None, FormErrors::default(), notice).await
}

/// Saves a mailbox (an empty password or token keeps the stored one), then
/// back to the list.
pub async fn update(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let result = match mailbox_input(&form) {
        Ok(input) => state.desk.update_mailbox(&s.actor, MailboxId(id), input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/mailboxes?done=saved")),
        Err(e) => {
            let errors = mailbox_errors(&i, e)?;
            let values = Some(MailboxValues::from_form(&form));
            render_mailbox(&state, &headers, &s, Some(MailboxId(id)), values, errors, None).await
        }
    }
}

/// Removes a mailbox; mail already fetched from it stays.
pub async fn delete(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    state.desk.delete_mailbox(&s.actor, MailboxId(id)).await?;
    Ok(see_other("/admin/mailboxes?done=deleted"))
}

/// Where the provider sends an admin back: `[server] public_url` +
/// [`CALLBACK`]. Without a public URL there is none (a request's Host is
/// not trusted for it): the admin is told to set it.
pub const CALLBACK: &str = "/admin/mailboxes/oauth/callback";

#[derive(Template)]
#[template(path = "admin_mailbox_oauth.html")]
struct OAuthProblemPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    message: String,
    back: String,
}

fn oauth_problem(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    status: axum::http::StatusCode,
    message: String,
    back: String,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "admin", "/admin/mailboxes");
    html_status(status, &OAuthProblemPage { page, nav: nav(false), notice: None, message, back })
}

/// "Authorise with …": sends the admin to the provider with a single-use
/// state bound to this mailbox and their session, and PKCE.
pub async fn authorise(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let back = format!("/admin/mailboxes/{id}");
    let Some(base) = state.public_url.as_deref() else {
        let m = i.t("admin.mailboxes.oauth_no_public_url").to_string();
        return oauth_problem(&state, &headers, &s, axum::http::StatusCode::CONFLICT, m, back);
    };
    let redirect_uri = format!("{}{CALLBACK}", base.trim_end_matches('/'));
    match state.desk.begin_mailbox_authorisation(&s.actor, MailboxId(id), &redirect_uri, &s.session.id_hash).await {
        Ok(url) => Ok(see_other(&url)),
        Err(e) if e.field().is_some() => {
            let m = i.t("admin.mailboxes.oauth_needed").to_string();
            oauth_problem(&state, &headers, &s, axum::http::StatusCode::BAD_REQUEST, m, back)
        }
        Err(e) => Err(e.into()),
    }
}

/// What a provider sends back to [`CALLBACK`].
#[derive(Debug, serde::Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// The provider's answer: the code is exchanged and the mailbox shown, or
/// the problem is and nothing changes — the provider's refusal (200), a
/// missing, bad, used, expired or other session's state or a code the
/// provider will not exchange (400), a token endpoint that failed (502).
pub async fn callback(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let i = i18n_for(&headers, Some(&s));
    let back = "/admin/mailboxes".to_string();
    let bad = axum::http::StatusCode::BAD_REQUEST;
    if let Some(err) = q.error.as_deref() {
        // The provider's own answer (the admin said no, or it refused the
        // request): not a bad request of ours, shown as it is (200).
        let err: String = err.chars().filter(|c| c.is_ascii_graphic()).take(100).collect();
        let ok = axum::http::StatusCode::OK;
        return oauth_problem(&state, &headers, &s, ok, i.t1("admin.mailboxes.oauth_denied", err), back);
    }
    let (Some(code), Some(st)) = (q.code.as_deref(), q.state.as_deref()) else {
        return oauth_problem(&state, &headers, &s, bad, i.t("admin.mailboxes.oauth_bad_state").to_string(), back);
    };
    match state.desk.finish_mailbox_authorisation(&s.actor, st, code, &s.session.id_hash).await {
        Ok(m) => Ok(see_other(&format!("/admin/mailboxes/{}?done=authorised", m.id))),
        Err(e) if e.field() == Some("state") => {
            oauth_problem(&state, &headers, &s, bad, i.t("admin.mailboxes.oauth_bad_state").to_string(), back)
        }
        Err(e) if e.field() == Some("code") => {
            oauth_problem(&state, &headers, &s, bad, i.t1("admin.mailboxes.oauth_refused", &e), back)
        }
        Err(DeskError::Unavailable(why)) => oauth_problem(
            &state,
            &headers,
            &s,
            axum::http::StatusCode::BAD_GATEWAY,
            i.t1("admin.mailboxes.oauth_unavailable", why),
            back,
        ),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        Form { pairs: pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect(), files: Vec::new() }
    }

    #[test]
    fn an_empty_secret_keeps_the_stored_one_and_empty_text_is_required() {
        let f = form(&[
            ("department_id", "2"),
            ("address", " help@example.com "),
            ("imap_url", "imaps://mail.example.com"),
            ("username", "help"),
            ("password", "  "),
            ("folder", ""),
            ("after_import", "move"),
            ("move_folder", "Done"),
        ]);
        let input = mailbox_input(&f).unwrap();
        assert_eq!((input.password, input.oauth2_access_token), (None, None));
        assert_eq!(input.folder.as_deref(), Some("INBOX"));
        assert_eq!(input.after_import, Some(AfterImportKind::Move));
        assert_eq!((input.starttls, input.active), (Some(false), Some(false)));
        let e = mailbox_input(&form(&[("department_id", "2"), ("address", " ")])).unwrap_err();
        assert_eq!((e.field(), e.code()), (Some("address"), "required"));
        let e = mailbox_input(&form(&[("address", "a@b.c")])).unwrap_err();
        assert_eq!(e.field(), Some("department_id"));
    }

    #[test]
    fn a_bad_url_shows_the_desks_reason() {
        let i = I18n::new(crate::i18n::Lang::En);
        let e = DeskError::invalid("imap_url", "invalid", "the IMAP URL must start with imap:// or imaps://");
        let errors = mailbox_errors(&i, e).unwrap();
        assert!(errors.get("imap_url").unwrap().contains("must start with imap:// or imaps://"));
    }
}
