//! The languages Tessera speaks: the web UI's catalogues, the compat
//! dialects' messages and labels. Kept in the core so every crate that
//! answers people in their language agrees on the codes and on how an
//! `Accept-Language` header is read.

/// A language the UI speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    En,
    /// Turkish.
    Tr,
    /// Simplified Chinese.
    Zh,
    /// Russian.
    Ru,
}

impl Lang {
    /// Every language, in the order the switcher shows them.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Tr, Lang::Zh, Lang::Ru];

    /// The code used in settings, cookies and `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Tr => "tr",
            Lang::Zh => "zh",
            Lang::Ru => "ru",
        }
    }

    /// The language's own name.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Tr => "Türkçe",
            Lang::Zh => "中文",
            Lang::Ru => "Русский",
        }
    }

    /// Parses a code (`tr`, `tr-TR`, `zh-Hans-CN`...).
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The best language for an `Accept-Language` header.
    pub fn negotiate(accept: &str) -> Option<Lang> {
        let mut options: Vec<(f32, Lang)> = accept
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let lang = Lang::parse(it.next()?)?;
                let q = it.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        options.sort_by(|a, b| b.0.total_cmp(&a.0));
        options.first().map(|(_, l)| *l)
    }
}
