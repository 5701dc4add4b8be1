//! CLDR cardinal plural rules for the mail templates' languages, and the
//! `plural` filter every template may use (decision 46, as amended by
//! decision 48): `{{ n }} {{ n | plural("заявка", "заявки", "заявок") }}`.
//!
//! The rules are written out here rather than taken from a crate: the four
//! languages' rules are a few lines (CLDR 46, `plurals.xml`), tested against
//! CLDR's own examples below, and a crate with every language's data would
//! be far more code than the rules it adds for us. A fifth language adds
//! its rule to [`category`] and its forms' order to [`forms`].

/// A CLDR plural category (the ones our languages use).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `one` (en: 1; tr: 1; ru: 1, 21, 101 …).
    One,
    /// `few` (ru: 2–4, 22–24 …).
    Few,
    /// `many` (ru: 0, 5–20, 25–30 …, 11–14).
    Many,
    /// `other` (everything else; the only category of zh).
    Other,
}

impl Category {
    /// CLDR's name of the category.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::One => "one",
            Self::Few => "few",
            Self::Many => "many",
            Self::Other => "other",
        }
    }
}

/// The categories of a language in the order a template gives their forms
/// (`plural("one form", "other form")` in English).
pub fn forms(language: &str) -> &'static [Category] {
    match language {
        "zh" => &[Category::Other],
        "ru" => &[Category::One, Category::Few, Category::Many, Category::Other],
        // en, tr, and any language without rules of its own here.
        _ => &[Category::One, Category::Other],
    }
}

/// The category of a number in a language. `n` is the number as written:
/// an integer, or a decimal whose fraction digits count (CLDR's `v`).
pub fn category(language: &str, n: f64) -> Category {
    let integer = n.fract() == 0.0;
    let i = n.abs().trunc() as u64;
    match language {
        "zh" => Category::Other,
        // tr: one: n = 1.
        "tr" => {
            if n.abs() == 1.0 {
                Category::One
            } else {
                Category::Other
            }
        }
        // ru: one: v = 0 and i % 10 = 1 and i % 100 != 11;
        // few: v = 0 and i % 10 = 2..4 and i % 100 != 12..14;
        // many: v = 0 and (i % 10 = 0 or i % 10 = 5..9 or i % 100 = 11..14).
        "ru" => {
            if !integer {
                return Category::Other;
            }
            let (m10, m100) = (i % 10, i % 100);
            if m10 == 1 && m100 != 11 {
                Category::One
            } else if (2..=4).contains(&m10) && !(12..=14).contains(&m100) {
                Category::Few
            } else {
                Category::Many
            }
        }
        // en: one: i = 1 and v = 0.
        _ => {
            if integer && i == 1 {
                Category::One
            } else {
                Category::Other
            }
        }
    }
}

/// Picks the form of `forms` (given in [`forms`]' order for `language`)
/// for `n`. A missing form falls back to the last one given, so a template
/// with too few forms still says something.
pub fn select<'a>(language: &str, n: f64, given: &'a [String]) -> &'a str {
    let wanted = category(language, n);
    let at = forms(language).iter().position(|c| *c == wanted).unwrap_or(0);
    given.get(at).or_else(|| given.last()).map_or("", String::as_str)
}

/// The `plural` filter: `{{ n | plural("form", …) }}`, the form for the
/// number in the template's language (the context's `language`, English
/// without one).
pub(super) fn filter(
    state: &minijinja::State<'_, '_>,
    n: minijinja::Value,
    given: minijinja::value::Rest<String>,
) -> Result<String, minijinja::Error> {
    let n = number(&n)?;
    if given.is_empty() {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::MissingArgument,
            "plural needs the forms: plural(\"one\", \"other\")",
        ));
    }
    Ok(select(&language(state), n, &given).to_string())
}

/// The `plural_category` function: `plural_category(n)` is `one`, `few`,
/// `many` or `other` in the template's language (for `{% if %}`s).
pub(super) fn category_function(
    state: &minijinja::State<'_, '_>,
    n: minijinja::Value,
) -> Result<String, minijinja::Error> {
    Ok(category(&language(state), number(&n)?).as_str().to_string())
}

fn language(state: &minijinja::State<'_, '_>) -> String {
    state.lookup("language").and_then(|v| v.as_str().map(str::to_string)).unwrap_or_else(|| "en".into())
}

fn number(n: &minijinja::Value) -> Result<f64, minijinja::Error> {
    if let Ok(i) = i64::try_from(n.clone()) {
        return Ok(i as f64);
    }
    f64::try_from(n.clone()).map_err(|_| {
        minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("plural needs a number, not {n}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms_of(language: &str, n: f64) -> &'static str {
        category(language, n).as_str()
    }

    /// CLDR's examples (plurals.xml, cardinal) for each category.
    #[test]
    fn the_four_languages_follow_cldr() {
        assert_eq!(forms_of("en", 1.0), "one");
        assert_eq!(forms_of("tr", 1.0), "one");
        for n in [0.0, 2.0, 5.0, 11.0, 21.0, 100.0, 1.5, 0.1] {
            assert_eq!(forms_of("en", n), "other", "{n}");
            assert_eq!(forms_of("tr", n), "other", "{n}");
        }
        for n in [0.0, 1.0, 2.0, 5.0, 1.5] {
            assert_eq!(forms_of("zh", n), "other", "{n}");
        }
        for n in [1.0, 21.0, 31.0, 101.0, 1001.0] {
            assert_eq!(forms_of("ru", n), "one", "{n}");
        }
        for n in [2.0, 3.0, 4.0, 22.0, 24.0, 102.0, 1002.0] {
            assert_eq!(forms_of("ru", n), "few", "{n}");
        }
        for n in [0.0, 5.0, 11.0, 12.0, 14.0, 19.0, 20.0, 100.0, 111.0, 1000.0] {
            assert_eq!(forms_of("ru", n), "many", "{n}");
        }
        for n in [0.5, 1.5, 2.5] {
            assert_eq!(forms_of("ru", n), "other", "{n}");
        }
    }

    #[test]
    fn forms_are_picked_in_the_languages_order_and_missing_ones_fall_back() {
        let ru: Vec<String> = ["заявка", "заявки", "заявок"].map(String::from).to_vec();
        assert_eq!(select("ru", 1.0, &ru), "заявка");
        assert_eq!(select("ru", 3.0, &ru), "заявки");
        assert_eq!(select("ru", 5.0, &ru), "заявок");
        assert_eq!(select("ru", 1.5, &ru), "заявок", "no fourth form: the last one");
        let en: Vec<String> = ["ticket", "tickets"].map(String::from).to_vec();
        assert_eq!(select("en", 1.0, &en), "ticket");
        assert_eq!(select("en", 0.0, &en), "tickets");
        assert_eq!(select("zh", 7.0, &["张工单".to_string()]), "张工单");
        assert_eq!(select("en", 7.0, &[]), "");
    }
}
