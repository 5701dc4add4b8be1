//! The mail templates: built-in ones per kind and language (the files
//! beside this one), admins' own versions from the store, and rendering
//! with MiniJinja — a sandboxed, well-kept engine: templates reach only the
//! values they are handed, an unknown placeholder is an error (refused when
//! an admin saves, with its line), and a run-away loop runs out of fuel.
//!
//! A template is a subject line and a plain-text body. The HTML part is
//! made from the rendered text (escaped, paragraphs and line breaks kept,
//! links made clickable), with an agent's message put in as its sanitised
//! HTML where it has one: so an admin edits one text per kind and language,
//! and no template can inject markup into the mail.

use std::collections::HashMap;
use std::sync::LazyLock;

use minijinja::{Environment, UndefinedBehavior, Value};
use tessera_store::OutboundKind;

/// The languages templates exist in (the UI's).
pub const LANGUAGES: &[&str] = &["en", "tr", "zh", "ru"];
/// Fuel for one rendering: far more than any sensible template needs, and
/// a bound on what a looping one can take.
const FUEL: u64 = 50_000;
/// The longest subject or body an admin may save (characters).
pub const MAX_TEMPLATE_CHARS: usize = 20_000;
/// Stands for an agent's message in the HTML rendering; replaced by the
/// message's HTML after the text around it is escaped.
const MESSAGE_SLOT: &str = "\u{E000}tessera-message\u{E000}";

/// One template: a subject and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The subject template (one line).
    pub subject: String,
    /// The body template (plain text).
    pub body: String,
}

/// A rendered mail's texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Why a template cannot be used, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{part}, line {line}: {message}")]
pub struct TemplateError {
    /// `subject` or `body`.
    pub part: &'static str,
    /// The line (1-based; 0 when the engine does not say).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

static BUILT_IN: LazyLock<HashMap<(OutboundKind, &'static str), Template>> = LazyLock::new(|| {
    let mut all = HashMap::new();
    for (lang, file) in [
        ("en", include_str!("templates/en.txt")),
        ("tr", include_str!("templates/tr.txt")),
        ("zh", include_str!("templates/zh.txt")),
        ("ru", include_str!("templates/ru.txt")),
    ] {
        for (kind, t) in parse_file(file) {
            all.insert((kind, lang), t);
        }
    }
    all
});

/// Reads a built-in file: `== kind`, a `subject:` line, the body.
fn parse_file(file: &str) -> Vec<(OutboundKind, Template)> {
    let mut out = Vec::new();
    for section in file.split("\n== ").skip(1) {
        let (kind, rest) = section.split_once('\n').unwrap_or((section, ""));
        let (subject, body) = rest.split_once('\n').unwrap_or((rest, ""));
        if let (Some(kind), Some(subject)) = (OutboundKind::parse(kind.trim()), subject.strip_prefix("subject:")) {
            out.push((kind, Template { subject: subject.trim().to_string(), body: body.trim_end().to_string() }));
        }
    }
    out
}

/// The built-in template of a kind in a language (English when the
/// language has none).
pub fn built_in(kind: OutboundKind, language: &str) -> Template {
    BUILT_IN
        .get(&(kind, language))
        .or_else(|| BUILT_IN.get(&(kind, "en")))
        .cloned()
        .unwrap_or_else(|| Template { subject: kind.as_str().to_string(), body: String::new() })
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    // Texts are plain: nothing is escaped while rendering; the HTML part
    // escapes the result as a whole.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // Counts in sentences: `{{ n | plural("ticket", "tickets") }}`.
    env.add_filter("plural", super::plural::filter);
    env.add_function("plural_category", super::plural::category_function);
    env
}

fn error(part: &'static str, e: &minijinja::Error) -> TemplateError {
    TemplateError {
        part,
        line: e.line().unwrap_or(0),
        message: e.detail().unwrap_or(&e.kind().to_string()).to_string(),
    }
}

fn render_one(env: &Environment<'_>, part: &'static str, source: &str, ctx: &Value) -> Result<String, TemplateError> {
    let t = env.template_from_str(source).map_err(|e| error(part, &e))?;
    t.render(ctx).map_err(|e| error(part, &e))
}

/// Renders a template. `context` holds the placeholders' values (a map of
/// maps: `ticket`, `customer`, …); `message_html`, the sanitised HTML of
/// the message `message.text` stands for, goes into the HTML part in its
/// place.
pub fn render(
    template: &Template,
    context: &serde_json::Value,
    message_html: Option<&str>,
) -> Result<Rendered, TemplateError> {
    let env = environment();
    let ctx = Value::from(minijinja::value::Serde(context));
    let subject = render_one(&env, "subject", &template.subject, &ctx)?;
    let subject = subject.split(['\r', '\n']).map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    let text = tidy(&render_one(&env, "body", &template.body, &ctx)?);
    let html = match message_html {
        Some(html) => {
            let mut slotted = context.clone();
            if let Some(m) = slotted.get_mut("message").and_then(|m| m.as_object_mut()) {
                m.insert("text".into(), MESSAGE_SLOT.into());
            }
            let body =
                tidy(&render_one(&env, "body", &template.body, &Value::from(minijinja::value::Serde(&slotted)))?);
            text_to_html(&body).replace(MESSAGE_SLOT, html)
        }
        None => text_to_html(&text),
    };
    Ok(Rendered { subject, text, html })
}

/// Checks a template an admin wants to save: it parses, stays within the
/// size limit and uses only known placeholders (rendered against a sample
/// with every placeholder of its kind).
pub fn check(kind: OutboundKind, template: &Template) -> Result<(), TemplateError> {
    for (part, s) in [("subject", &template.subject), ("body", &template.body)] {
        if s.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(TemplateError { part, line: 0, message: format!("at most {MAX_TEMPLATE_CHARS} characters") });
        }
    }
    if template.subject.trim().is_empty() {
        return Err(TemplateError { part: "subject", line: 1, message: "a subject is needed".into() });
    }
    render(template, &sample(kind), Some("<p>sample</p>")).map(|_| ())
}

/// Every placeholder of a kind, with sample values (the check's context
/// and the list shown beside the editor).
pub fn sample(kind: OutboundKind) -> serde_json::Value {
    let ticket = serde_json::json!({
        "number": "482913", "subject": "Website down after the upgrade", "url": "https://help.example.com/t/482913",
        "status": "open", "priority": "normal", "solved": false,
    });
    let customer = serde_json::json!({"name": "Ayşe Yılmaz", "email": "ayse@example.com"});
    let department = serde_json::json!({"name": "Hosting", "signature": "Example Hosting support"});
    let agent = serde_json::json!({"name": "Chen Wei"});
    let message = serde_json::json!({"text": "Could you check the DNS records?"});
    let user = serde_json::json!({"name": "Ayşe Yılmaz", "email": "ayse@example.com"});
    let link = serde_json::json!({"url": "https://help.example.com/reset/abc", "minutes": 60});
    let sla = serde_json::json!({"metric": "first reply", "due": "2026-12-08 10:00 UTC"});
    match kind {
        OutboundKind::PasswordReset | OutboundKind::SignInLink => {
            serde_json::json!({"language": "en", "user": user, "link": link})
        }
        OutboundKind::Digest => serde_json::json!({
            "language": "en", "user": agent_user(), "count": 2, "account_url": "https://help.example.com/account",
            "items": [
                {"kind": "new_ticket", "subject": "New ticket: Website down after the upgrade",
                 "ticket": {"number": "482913", "subject": "Website down after the upgrade",
                            "url": "https://help.example.com/agent/tickets/17"}},
                {"kind": "customer_reply", "subject": "New reply: Invoice 2026-114",
                 "ticket": {"number": "730215", "subject": "Invoice 2026-114",
                            "url": "https://help.example.com/agent/tickets/18"}},
            ],
        }),
        _ => serde_json::json!({
            "language": "en", "ticket": ticket, "customer": customer, "department": department, "agent": agent,
            "message": message, "sla": sla,
        }),
    }
}

fn agent_user() -> serde_json::Value {
    serde_json::json!({"name": "Chen Wei", "email": "chen@example.com"})
}

/// Collapses runs of blank lines a skipped `{% if %}` or an empty
/// signature leave, and trailing spaces.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// Plain text as HTML: escaped, blank lines as paragraphs, line breaks
/// kept, `http(s)://` links clickable.
pub fn text_to_html(text: &str) -> String {
    let mut html = String::from("<div style=\"font-family:sans-serif;font-size:14px;line-height:1.5\">");
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        for (i, line) in para.trim().lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            html.push_str(&linkify(line));
        }
        html.push_str("</p>");
    }
    html.push_str("</div>");
    html
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn linkify(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let is_link = (word.starts_with("https://") || word.starts_with("http://")) && word.len() > 8;
        if is_link {
            let e = escape(word);
            out.push_str(&format!("<a href=\"{e}\">{e}</a>"));
        } else {
            out.push_str(&escape(word));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_built_in_template_in_every_language_that_renders() {
        for kind in OutboundKind::ALL {
            for lang in LANGUAGES {
                let t = BUILT_IN.get(&(*kind, *lang)).unwrap_or_else(|| panic!("{kind:?} in {lang}"));
                check(*kind, t).unwrap_or_else(|e| panic!("{kind:?} in {lang}: {e}"));
            }
        }
    }

    #[test]
    fn the_russian_digest_counts_in_the_right_forms() {
        let t = built_in(OutboundKind::Digest, "ru");
        for (n, subject, body) in [
            (1, "1 новое уведомление", "Пришло 1 уведомление:"),
            (3, "3 новых уведомления", "Пришло 3 уведомления:"),
            (5, "5 новых уведомлений", "Пришло 5 уведомлений:"),
            (21, "21 новое уведомление", "Пришло 21 уведомление:"),
            (12, "12 новых уведомлений", "Пришло 12 уведомлений:"),
        ] {
            let mut ctx = sample(OutboundKind::Digest);
            ctx["language"] = "ru".into();
            ctx["count"] = n.into();
            let r = render(&t, &ctx, None).unwrap();
            assert!(r.subject.starts_with(subject), "{n}: {}", r.subject);
            assert!(r.text.contains(body), "{n}: {}", r.text);
        }
        let en = render(&built_in(OutboundKind::Digest, "en"), &sample(OutboundKind::Digest), None).unwrap();
        assert!(en.subject.starts_with("2 notifications") && en.text.contains("New reply: Invoice"), "{en:?}");
    }

    #[test]
    fn plural_is_refused_without_forms_or_a_number() {
        for body in ["{{ 3 | plural }}", "{{ \"x\" | plural(\"a\", \"b\") }}"] {
            let t = Template { subject: "Hi".into(), body: body.into() };
            assert!(check(OutboundKind::Solved, &t).is_err(), "{body}");
        }
        let t = Template {
            subject: "{{ 1 | plural(\"ticket\", \"tickets\") }} {{ plural_category(5) }}".into(),
            body: String::new(),
        };
        assert_eq!(render(&t, &sample(OutboundKind::Solved), None).unwrap().subject, "ticket other");
    }

    #[test]
    fn an_unknown_placeholder_is_refused_with_its_line() {
        let t = Template { subject: "Hi".into(), body: "line one\n{{ ticket.nmber }}".into() };
        let e = check(OutboundKind::Solved, &t).unwrap_err();
        assert_eq!((e.part, e.line), ("body", 2), "{e}");
    }

    #[test]
    fn a_runaway_loop_runs_out_of_fuel() {
        let t = Template { subject: "Hi".into(), body: "{% for i in range(100000) %}{{ i }}{% endfor %}".into() };
        assert!(check(OutboundKind::Solved, &t).is_err());
    }

    #[test]
    fn markup_in_values_is_escaped_in_the_html_part_and_the_message_html_goes_in_its_place() {
        let t = built_in(OutboundKind::AgentReply, "en");
        let mut ctx = sample(OutboundKind::AgentReply);
        ctx["agent"]["name"] = "<script>x</script>".into();
        let r = render(&t, &ctx, Some("<p><b>Bold</b> answer</p>")).unwrap();
        assert!(r.html.contains("&lt;script&gt;"), "{}", r.html);
        assert!(r.html.contains("<p><b>Bold</b> answer</p>"), "{}", r.html);
        assert!(r.text.contains("Could you check the DNS records?"));
    }
}
