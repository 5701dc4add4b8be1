//! What the demo is made of: its departments, agents, organizations,
//! customers and products, and the texts they write in four languages.
//!
//! They are data files under `crates/cli/demo/` (`people.toml`, and one file
//! of texts per language), embedded in the binary with `include_str!` and
//! parsed when the demo starts. Why files and not Rust: the texts are most of
//! the demo (about 1,800 lines), and in TOML a translator or a writer reads
//! and edits a customer's message as it is written, multi-line, without
//! Rust's quoting; the generator keeps to the code. Why embedded: `tessera
//! demo` stays one binary that works from any folder. A file that does not
//! parse, or that misses something the generator needs, stops the demo
//! before it writes anything (and fails the unit test below).
//!
//! The order of every list is part of the demo: the generator draws from
//! them with a fixed-seed PRNG, so reordering changes what a run makes.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Deserializer};
use std::sync::OnceLock;
use tessera_core::lang::Lang;
use tessera_core::{AutoAssign, Priority, TicketType};

/// The people and products.
const PEOPLE: (&str, &str) = ("people.toml", include_str!("../../demo/people.toml"));

/// The texts of each language.
const TEXTS: [(Lang, &str, &str); 4] = [
    (Lang::En, "en.toml", include_str!("../../demo/en.toml")),
    (Lang::Tr, "tr.toml", include_str!("../../demo/tr.toml")),
    (Lang::Zh, "zh.toml", include_str!("../../demo/zh.toml")),
    (Lang::Ru, "ru.toml", include_str!("../../demo/ru.toml")),
];

/// What a department handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Area {
    Tech,
    Billing,
    Domains,
    Sales,
}

impl Area {
    const ALL: [Area; 4] = [Area::Tech, Area::Billing, Area::Domains, Area::Sales];
}

/// A demo department.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DeptSpec {
    pub area: Area,
    pub name: String,
    pub description: String,
    pub email: String,
    pub auto_assign: AutoAssign,
    pub requires_service: bool,
    pub signature: String,
    pub position: i64,
}

/// A demo agent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AgentSpec {
    pub name: String,
    pub email: String,
    #[serde(deserialize_with = "lang")]
    pub lang: Lang,
    pub areas: Vec<Area>,
}

/// A demo organization.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OrgSpec {
    pub name: String,
    pub external_id: String,
    pub notes: String,
}

/// A demo customer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CustomerSpec {
    pub name: String,
    pub email: String,
    #[serde(deserialize_with = "lang")]
    pub lang: Lang,
    pub female: bool,
    pub domain: String,
    /// The `external_id` of their organization.
    #[serde(default)]
    organization: Option<String>,
    #[serde(default)]
    sees_all: bool,
    /// Their organization's index in [`People::organizations`], and whether
    /// they see all its tickets (set from `organization` and `sees_all`).
    #[serde(skip)]
    pub org: Option<(usize, bool)>,
}

/// `people.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct People {
    /// Hosting products (`{domain}` is the customer's domain).
    pub hosting: Vec<String>,
    /// Options of the `operating_system` custom field.
    pub os_options: Vec<String>,
    pub customers: Vec<CustomerSpec>,
    pub departments: Vec<DeptSpec>,
    pub agents: Vec<AgentSpec>,
    pub organizations: Vec<OrgSpec>,
}

/// A ticket theme: what the customer and the agent write in the first two
/// exchanges. `{domain}`, `{service}`, `{invoice}` and `{ip}` are filled in.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Topic {
    pub area: Area,
    pub priority: Priority,
    #[serde(rename = "type")]
    pub kind: TicketType,
    pub tags: Vec<String>,
    pub subject: String,
    /// The customer's first message.
    pub message: String,
    /// The agent's first reply.
    pub reply: String,
    /// The customer's follow-up.
    pub follow_up: String,
    /// The agent's reply to it.
    pub second_reply: String,
}

/// A customer's later message and the agent's answer to it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Pair {
    pub customer: String,
    pub agent: String,
}

/// Phrases used around the topics, in one language.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Phrases {
    pub pairs: Vec<Pair>,
    pub thanks: Vec<String>,
    pub closing: Vec<String>,
    pub hold: Vec<String>,
    pub notes: Vec<String>,
    pub duplicate: String,
    pub merge_note: String,
    pub lock_note: String,
    pub phone: String,
    pub sign: String,
}

/// How a customer is addressed, by gender.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Honorifics {
    pub female: String,
    pub male: String,
}

/// The texts of one language (`en.toml`, …).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Texts {
    /// Where people writing this language usually are.
    pub time_zone: String,
    /// How an agent greets a customer (see [`Texts::person`]).
    pub greeting: String,
    /// How a customer signs (see [`Texts::person`]).
    pub signature: String,
    #[serde(default)]
    pub honorifics: Option<Honorifics>,
    pub phrases: Phrases,
    pub topics: Vec<Topic>,
}

impl Texts {
    /// `template` for customer `c`: `{first}` is the first word of the name,
    /// `{name}` the whole name, `{surname}` its first character (Chinese
    /// names), `{honorific}` the honorific for the customer's gender.
    pub fn person(&self, template: &str, c: &CustomerSpec) -> String {
        let first = c.name.split_whitespace().next().unwrap_or(&c.name);
        let surname: String = c.name.chars().take(1).collect();
        let honorific = self.honorifics.as_ref().map_or("", |h| if c.female { &h.female } else { &h.male });
        template
            .replace("{first}", first)
            .replace("{name}", &c.name)
            .replace("{surname}", &surname)
            .replace("{honorific}", honorific)
    }
}

/// Everything the demo is made of.
#[derive(Debug)]
pub(super) struct Corpus {
    pub people: People,
    texts: Vec<(Lang, Texts)>,
}

impl Corpus {
    /// The texts of `lang` (every language Tessera speaks has them).
    pub fn texts(&self, lang: Lang) -> &Texts {
        match self.texts.iter().find(|(l, _)| *l == lang) {
            Some((_, t)) => t,
            // `parse` refuses a corpus without every language.
            None => unreachable!("the demo has texts in every language"),
        }
    }

    /// Parses and checks the embedded files.
    fn parse() -> Result<Self> {
        let (file, text) = PEOPLE;
        let mut people: People = toml::from_str(text).with_context(|| format!("demo/{file}"))?;
        for c in &mut people.customers {
            if let Some(ext) = &c.organization {
                let i = people.organizations.iter().position(|o| &o.external_id == ext);
                let Some(i) = i else { bail!("demo/{file}: {} names no organization {ext}", c.email) };
                c.org = Some((i, c.sees_all));
            }
        }
        for area in Area::ALL {
            if !people.departments.iter().any(|d| d.area == area) {
                bail!("demo/{file}: no department for {area:?}");
            }
        }
        if people.customers.is_empty() || people.hosting.is_empty() {
            bail!("demo/{file}: the demo needs customers and hosting products");
        }
        let mut texts = Vec::new();
        for (lang, file, text) in TEXTS {
            let t: Texts = toml::from_str(text).with_context(|| format!("demo/{file}"))?;
            let p = &t.phrases;
            if t.topics.is_empty()
                || [&p.thanks, &p.closing, &p.hold, &p.notes].iter().any(|v| v.is_empty())
                || p.pairs.is_empty()
            {
                bail!("demo/{file}: every list of topics and phrases needs an entry");
            }
            texts.push((lang, t));
        }
        Ok(Self { people, texts })
    }
}

/// The corpus, parsed once.
pub(super) fn corpus() -> Result<&'static Corpus> {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    if let Some(c) = CORPUS.get() {
        return Ok(c);
    }
    let parsed = Corpus::parse()?;
    Ok(CORPUS.get_or_init(|| parsed))
}

/// A language code (`en`, `tr`, `zh`, `ru`).
fn lang<'de, D: Deserializer<'de>>(d: D) -> Result<Lang, D::Error> {
    let code = String::deserialize(d)?;
    Lang::ALL
        .into_iter()
        .find(|l| l.code() == code)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown language {code:?} (en, tr, zh or ru)")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_files_parse_and_hold_what_the_generator_needs() {
        let c = corpus().unwrap();
        assert!(!c.people.agents.is_empty() && !c.people.organizations.is_empty());
        for lang in Lang::ALL {
            let t = c.texts(lang);
            assert!(t.time_zone.contains('/'), "{lang:?}: {}", t.time_zone);
            assert!(!t.greeting.is_empty() && !t.signature.is_empty());
            // Each language writes about every department's work.
            for area in Area::ALL {
                assert!(t.topics.iter().any(|x| x.area == area), "{lang:?} has no topic for {area:?}");
            }
            // A customer of each language exists to write them.
            assert!(c.people.customers.iter().any(|x| x.lang == lang), "no customer speaks {lang:?}");
        }
    }

    #[test]
    fn people_are_greeted_in_their_language() {
        let c = corpus().unwrap();
        let greet = |email: &str| {
            let who = c.people.customers.iter().find(|x| x.email == email).unwrap();
            let t = c.texts(who.lang);
            (t.person(&t.greeting, who), t.person(&t.signature, who))
        };
        assert_eq!(greet("john.smith@example.com"), ("Hello John,".into(), "John".into()));
        assert_eq!(greet("ayse.yilmaz@example.com.tr"), ("Merhaba Ayşe Hanım,".into(), "Ayşe".into()));
        assert_eq!(greet("wang.fang@example.cn"), ("王女士，您好！".into(), "王芳".into()));
        assert_eq!(greet("ivan.petrov@example.ru"), ("Здравствуйте, Иван!".into(), "Иван".into()));
    }
}
