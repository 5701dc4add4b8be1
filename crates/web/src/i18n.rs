//! Message catalogs: every string of the UI, in English, Turkish,
//! Simplified Chinese and Russian.
//!
//! A catalog is a text file of `key = text` lines (`#` starts a comment),
//! embedded in the binary. `{0}`, `{1}` in a text are replaced by
//! arguments. A key missing from a catalog falls back to English (and a
//! test makes sure none is missing).

use std::collections::HashMap;
use std::sync::OnceLock;

pub use tessera_core::lang::Lang;

/// The embedded catalogue of a language.
fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::En => include_str!("../i18n/en.txt"),
        Lang::Tr => include_str!("../i18n/tr.txt"),
        Lang::Zh => include_str!("../i18n/zh.txt"),
        Lang::Ru => include_str!("../i18n/ru.txt"),
    }
}

/// Parses a catalog file into its entries.
pub fn parse_catalog(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn catalogs() -> &'static HashMap<Lang, HashMap<&'static str, &'static str>> {
    static CATALOGS: OnceLock<HashMap<Lang, HashMap<&'static str, &'static str>>> = OnceLock::new();
    CATALOGS.get_or_init(|| Lang::ALL.into_iter().map(|l| (l, parse_catalog(source(l)))).collect())
}

/// Translations for one request; cheap to copy into every template.
#[derive(Debug, Clone, Copy)]
pub struct I18n {
    /// The language.
    pub lang: Lang,
}

impl I18n {
    /// Translations in `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    /// The language code, for `lang` attributes.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The text of `key` (English if this catalog lacks it, the key itself
    /// if English does too).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let all = catalogs();
        all.get(&self.lang)
            .and_then(|c| c.get(key))
            .or_else(|| all.get(&Lang::En).and_then(|c| c.get(key)))
            .copied()
            .unwrap_or(key)
    }

    /// The text of `key` with `{0}` replaced.
    pub fn t1(&self, key: &str, a: impl std::fmt::Display) -> String {
        self.t(key).replace("{0}", &a.to_string())
    }

    /// The text of `key` with `{0}` and `{1}` replaced.
    pub fn t2(&self, key: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        self.t(key).replace("{0}", &a.to_string()).replace("{1}", &b.to_string())
    }

    /// A duration in seconds as the largest two units ("2d 3h", "5m").
    pub fn duration(&self, seconds: i64) -> String {
        let s = seconds.max(0);
        let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
        let unit = |n: i64, key: &str| self.t1(key, n);
        if d > 0 {
            format!("{} {}", unit(d, "unit.days"), unit(h, "unit.hours"))
        } else if h > 0 {
            format!("{} {}", unit(h, "unit.hours"), unit(m, "unit.minutes"))
        } else {
            unit(m.max(if s > 0 { 1 } else { 0 }), "unit.minutes")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_quality() {
        assert_eq!(Lang::negotiate("tr-TR,tr;q=0.9,en;q=0.8"), Some(Lang::Tr));
        assert_eq!(Lang::negotiate("de;q=1.0,ru;q=0.5,en;q=0.4"), Some(Lang::Ru));
        assert_eq!(Lang::negotiate("zh-Hans-CN"), Some(Lang::Zh));
        assert_eq!(Lang::negotiate("de, fr"), None);
    }

    #[test]
    fn every_catalog_has_every_key_and_no_stray_one() {
        let en = parse_catalog(source(Lang::En));
        assert!(en.len() > 100, "the English catalog looks empty");
        for lang in Lang::ALL {
            let c = parse_catalog(source(lang));
            let mut missing: Vec<&&str> = en.keys().filter(|k| !c.contains_key(**k)).collect();
            missing.sort();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code());
            let mut stray: Vec<&&str> = c.keys().filter(|k| !en.contains_key(**k)).collect();
            stray.sort();
            assert!(stray.is_empty(), "{} has keys English does not: {stray:?}", lang.code());
            for (k, v) in &c {
                assert!(!v.is_empty(), "{} has an empty text for {k}", lang.code());
                for arg in ["{0}", "{1}"] {
                    assert_eq!(
                        en[k].contains(arg),
                        v.contains(arg),
                        "{}: {k} and English disagree on {arg}",
                        lang.code()
                    );
                }
            }
        }
    }

    #[test]
    fn other_catalogs_are_translations_not_copies() {
        let en = parse_catalog(source(Lang::En));
        for lang in [Lang::Tr, Lang::Zh, Lang::Ru] {
            let c = parse_catalog(source(lang));
            let same = en.iter().filter(|(k, v)| c.get(*k) == Some(v)).count();
            assert!(same * 10 < en.len(), "{}: {same} of {} texts are still the English ones", lang.code(), en.len());
        }
    }

    #[test]
    fn every_key_the_code_uses_exists() {
        let en = parse_catalog(source(Lang::En));
        let mut used = Vec::new();
        // Every file under these folders, subfolders included.
        let mut files = Vec::new();
        let mut dirs = vec![
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")),
            std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        ];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() { dirs.push(path) } else { files.push(path) }
            }
        }
        for path in files {
            let text = std::fs::read_to_string(path).unwrap();
            for marker in ["t(\"", "t1(\"", "t2(\""] {
                for part in text.split(marker).skip(1) {
                    if let Some(key) = part.split('"').next()
                        && key.contains('.')
                        && !key.contains(' ')
                        && !key.contains('{')
                    {
                        used.push(key.to_string());
                    }
                }
            }
        }
        assert!(used.len() > 50);
        let missing: Vec<&String> = used.iter().filter(|k| !en.contains_key(k.as_str())).collect();
        assert!(missing.is_empty(), "keys used but not in en.txt: {missing:?}");
    }

    #[test]
    fn every_event_kind_has_a_label() {
        // Labels are looked up by a computed key (`event.<kind>`), which the
        // scan of literal keys above cannot see.
        let en = parse_catalog(source(Lang::En));
        let missing: Vec<String> = tessera_core::event::EventKind::ALL
            .iter()
            .map(|k| format!("event.{}", k.as_str()))
            .filter(|k| !en.contains_key(k.as_str()))
            .collect();
        assert!(missing.is_empty(), "no label for {missing:?}");
    }

    #[test]
    fn durations_read_naturally() {
        let i = I18n::new(Lang::En);
        assert_eq!(i.duration(59), "1m");
        assert_eq!(i.duration(3 * 3600 + 120), "3h 2m");
        assert_eq!(i.duration(2 * 86_400 + 3600), "2d 1h");
    }
}
