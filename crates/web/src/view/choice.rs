//! Options of a select, one of them selected, and the order of lists people pick from.

use crate::i18n::Lang;
use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A choice of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// The key lists a person picks from are sorted by (departments, agents,
/// organizations) in the reader's language `lang`: the letters without
/// their accents first (`Ödeme` among the `o`s, `Çağrı` among the `c`s),
/// in Turkish with its own letters after their base letter (`ç` after `c`,
/// `ğ` after `g`, `ö` after `o`, `ş` after `s`, `ü` after `u`); then the
/// accents, then the name as written. Case never counts: names are folded
/// as search folds them, accents aside (`tessera_core::search::text::fold_case`: Unicode
/// lowercase, Turkish `I`/`İ`/`ı`/`i` together, `ё` as `е`, full-width
/// forms as ASCII).
///
/// A small collation, not ICU's: it agrees with `Intl.Collator` for Latin
/// and Cyrillic names, but Chinese names come in code point order, not by
/// pinyin (no collation data is in the dependency tree). What matters most
/// is that it is total and stable: the same order on every load.
pub fn name_key(lang: Lang, name: &str) -> (Vec<u32>, String, String) {
    let folded = tessera_core::search::text::fold_case(name.trim());
    let mut primary = Vec::with_capacity(folded.len());
    for c in folded.chars() {
        if lang == Lang::Tr
            && let Some(base) = turkish_letter(c)
        {
            primary.push(u32::from(base) * 2 + 1);
            continue;
        }
        decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                primary.push(u32::from(d) * 2);
            }
        });
    }
    (primary, folded, name.to_string())
}

/// The base letter of a Turkish letter that sorts right after it.
fn turkish_letter(c: char) -> Option<char> {
    match c {
        'ç' => Some('c'),
        'ğ' => Some('g'),
        'ö' => Some('o'),
        'ş' => Some('s'),
        'ü' => Some('u'),
        _ => None,
    }
}

/// Sorts `items` by their name's [`name_key`] in `lang`, ties by `tie`.
pub fn sort_by_name<T, K: Ord>(lang: Lang, items: &mut [T], name: impl Fn(&T) -> &str, tie: impl Fn(&T) -> K) {
    items.sort_by_cached_key(|t| (name_key(lang, name(t)), tie(t)));
}

/// Sorts departments as every list of them shows them: by the position an
/// admin gave (0 unless one was given), then by name ([`sort_by_name`]).
pub fn sort_departments<T>(lang: Lang, items: &mut [T], department: impl Fn(&T) -> &tessera_core::Department) {
    sort_by_name(lang, items, |t| department(t).name.as_str(), |t| department(t).id);
    items.sort_by_key(|t| department(t).position);
}

/// The options `(value, label)`, the one whose value is `selected` marked.
pub fn choices(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Choice> {
    items.into_iter().map(|(value, label)| Choice { selected: value == selected, value, label }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(lang: Lang, names: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = names.iter().map(|s| (*s).to_string()).collect();
        sort_by_name(lang, &mut v, String::as_str, |_| 0);
        v
    }

    #[test]
    fn names_sort_by_letter_whatever_the_case_and_accents() {
        let names = ["zeta", "Ödeme", "Çağrı", "billing", "Cloud", "Alpha", "öğrenci", "Ortak"];
        assert_eq!(
            sorted(Lang::En, &names),
            ["Alpha", "billing", "Çağrı", "Cloud", "Ödeme", "öğrenci", "Ortak", "zeta"]
        );
        assert_eq!(
            sorted(Lang::Tr, &names),
            ["Alpha", "billing", "Cloud", "Çağrı", "Ortak", "Ödeme", "öğrenci", "zeta"]
        );
        assert_eq!(sorted(Lang::Ru, &["Яблоко", "апельсин", "Ёлка", "Банан"]), ["апельсин", "Банан", "Ёлка", "Яблоко"]);
    }
}
