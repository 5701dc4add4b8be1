//! Text matching: how text is folded, cut into tokens, looked up in a word
//! index and highlighted, the same way in every store.
//!
//! # Folding: how text matches across case
//!
//! The query and the indexed text both go through [`fold`], and match when
//! their folded forms match. [`fold`] lowercases with Unicode's rules and
//! then merges a few letters that users type interchangeably:
//!
//! - **Turkish I.** `I`, `İ`, `ı` and `i` all fold to `i` (and a combining
//!   dot above after an `i`, from a decomposed `İ`, is dropped). Plain
//!   `to_lowercase` maps `I` to `i` and `İ` to `i̇` (two characters), so
//!   `IŞIK` would never find `ışık` and `İSTANBUL` would never find
//!   `istanbul`. Turkish-only folding (`I`→`ı`, `İ`→`i`) would fix Turkish but
//!   break every other language (`INVOICE` would not find `invoice`), and a
//!   search cannot know the language of each ticket. Merging the four
//!   letters makes both `IŞIK`→`işik`←`ışık` and `İSTANBUL`→`istanbul`
//!   match; the cost is that `kıl` also finds `kil`, which is rare and
//!   harmless in a search box.
//! - **Russian ё.** `ё`/`Ё` fold to `е`: Russian text routinely writes `е`
//!   for `ё` (`еще`/`ещё`), so a search for either finds both.
//!   Cyrillic case folds as usual (`ПРИВЕТ` → `привет`).
//! - **German ß** folds to `ss` and Greek final `ς` to `σ`, as Unicode case
//!   folding does.
//! - **Full-width forms** (`ＡＢＣ１２３`, common in Chinese and Japanese input)
//!   fold to their ASCII letters and digits, and the ideographic space to a
//!   space.
//! - **Accents of Latin letters** are dropped (issue 18): `gonderemiyorum`
//!   finds `gönderemiyorum`, `cafe` finds `café`, `Sao Paulo` finds
//!   `São Paulo`, and the other way round. People type without them on
//!   keyboards that lack them (a Turkish customer on an English laptop, an
//!   agent on a phone), and a search that finds nothing is worse than one
//!   that also finds the rare word that differs only by an accent (Turkish
//!   `sık`/`şık`). A letter of the Latin script (Latin-1, Latin
//!   Extended-A and -B, Latin Extended Additional) loses its marks by its
//!   canonical decomposition; `ø`, `ł`, `đ`, `ħ`, `ŧ` become `o l d h t`,
//!   `æ`, `œ`, `þ` become `ae oe th`; a combining mark typed after a Latin
//!   letter (decomposed text) is dropped. Other scripts keep their marks:
//!   Cyrillic `й` stays a letter of its own.
//!   [`fold_case`] is the same folding without this step (for sorting names,
//!   where `ç` must stay apart from `c`).
//! - Everything else, including Chinese, Japanese and Korean text, is
//!   unchanged.
//!
//! The index holds the folded words; changing [`fold`] changes the indexed
//! form, so it comes with a migration that marks existing search indexes
//! stale, which the server rebuilds in the background at start.
//!
//! # Tokens and word lookups
//!
//! An index holds [`index_tokens`]`(&`[`fold`]`(text))`: words of any
//! script are tokens; runs of Chinese, Japanese or Korean characters become
//! overlapping **bigrams** plus the run's last character alone (`退款申请` →
//! `退款 款申 申请 请`).
//!
//! A query's word or phrase is planned by [`word_match`]: the term's tokens
//! as a phrase, the last one a prefix when it is a word of three characters
//! or more (Turkish and Russian need it: `fatura` must find `faturanın`,
//! `счет` must find `счета`) or a lone CJK character (`退` finds `退款`); a
//! CJK run of two characters or more is a phrase of its bigrams, found
//! wherever it is. [`find_term`] finds the same matches in a text for
//! highlighting. Why a word index and not a trigram one: decision 23 in
//! `docs/decisions.md`, and `docs/search.md`.

use std::ops::Range;

/// Folds text for matching: the same function runs over indexed text and
/// over the query, so they match whatever the case. See the module docs for
/// the rules (Turkish `I`/`İ`/`ı`/`i` → `i`, `ё` → `е`, `ß` → `ss`,
/// full-width ASCII → ASCII, Latin letters without their accents, Unicode
/// lowercase for the rest, CJK unchanged).
/// Idempotent: `fold(&fold(s)) == fold(s)`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, |_, _| {}, &mut out, true);
    out
}

/// [`fold`] that keeps the accents of Latin letters (`Çağrı` → `çağri`):
/// case and the other merges only. For sorting names, where accented
/// letters have places of their own.
pub fn fold_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, |_, _| {}, &mut out, false);
    out
}

/// Folds `text`, calling `mapped(from, to)` for every input character with
/// the byte range of `out` its folding produced (possibly empty); drops the
/// accents of Latin letters when `accents` is set.
fn fold_into(text: &str, mut mapped: impl FnMut(Range<usize>, Range<usize>), out: &mut String, accents: bool) {
    for (i, orig) in text.char_indices() {
        let from = out.len();
        let c = match orig {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(orig as u32 - 0xFEE0).unwrap_or(orig),
            '\u{3000}' => ' ',
            c => c,
        };
        match c {
            // The combining dot of a decomposed `İ` (or of `i̇`) goes with the i.
            '\u{307}' if out.ends_with('i') => {}
            // A combining mark typed after a Latin letter.
            '\u{300}'..='\u{36F}' if accents && out.chars().next_back().is_some_and(|p| p.is_ascii_alphabetic()) => {}
            'İ' => out.push('i'),
            c => {
                for l in c.to_lowercase() {
                    match l {
                        'ı' => out.push('i'),
                        'ё' => out.push('е'),
                        'ς' => out.push('σ'),
                        'ß' => out.push_str("ss"),
                        l if accents && is_latin(l) => push_unaccented(out, l),
                        l => out.push(l),
                    }
                }
            }
        }
        mapped(i..i + orig.len_utf8(), from..out.len());
    }
}

/// Letters of the Latin script beyond ASCII: Latin-1 Supplement, Latin
/// Extended-A and -B, Latin Extended Additional.
fn is_latin(c: char) -> bool {
    matches!(c as u32, 0xC0..=0x24F | 0x1E00..=0x1EFF) && c != '×' && c != '÷'
}

/// Pushes a lowercase Latin letter without its accents.
fn push_unaccented(out: &mut String, c: char) {
    let no_decomposition = match c {
        'ø' | 'ǿ' => Some("o"),
        'ł' | 'ƚ' => Some("l"),
        'đ' | 'ð' => Some("d"),
        'ħ' => Some("h"),
        'ŧ' => Some("t"),
        'æ' | 'ǽ' | 'ǣ' => Some("ae"),
        'œ' => Some("oe"),
        'þ' => Some("th"),
        _ => None,
    };
    if let Some(base) = no_decomposition {
        out.push_str(base);
        return;
    }
    let before = out.len();
    unicode_normalization::char::decompose_canonical(c, |d| {
        if !unicode_normalization::char::is_combining_mark(d) {
            out.push(d);
        }
    });
    if out.len() == before {
        out.push(c);
    }
}

/// Chinese, Japanese and Korean characters: text without spaces between
/// words, indexed as bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF       // Hangul Jamo
        | 0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3130..=0x318F     // Hangul compatibility Jamo
        | 0x31F0..=0x31FF     // Katakana extension
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFF9F     // half-width Katakana
        | 0x20000..=0x3134F // CJK extensions B to G
    )
}

/// Characters between tokens: spaces, controls, punctuation and symbols.
/// Letters, digits and combining marks (of any script) are token characters.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric();
    }
    c.is_whitespace()
        || c.is_control()
        || matches!(c as u32,
            0xA1..=0xBF           // Latin-1 punctuation and signs
            | 0xD7 | 0xF7         // × ÷
            | 0x2000..=0x2BFF     // general punctuation, symbols, arrows, shapes
            | 0x2E00..=0x2E7F     // supplemental punctuation
            | 0x3000..=0x303F     // CJK punctuation (、。「」…)
            | 0xFE10..=0xFE1F     // vertical forms
            | 0xFE30..=0xFE6F     // CJK compatibility forms, small forms
            | 0xFF00..=0xFF65     // full-width punctuation, half-width CJK punctuation
            | 0x1F000..=0x1FAFF // emoji and pictographs
        ) && !c.is_alphanumeric()
}

/// Splits folded text into tokens (slices of it): words whole, and each run
/// of CJK characters as overlapping bigrams followed by the run's last
/// character alone, so that a prefix lookup finds a single character
/// anywhere.
fn tokens(folded: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut word: Option<usize> = None;
    // The last character of the current CJK run.
    let mut run_last: Option<Range<usize>> = None;
    for (i, c) in folded.char_indices() {
        let here = i..i + c.len_utf8();
        let cjk = is_cjk(c);
        let sep = !cjk && is_separator(c);
        if (sep || cjk)
            && let Some(start) = word.take()
        {
            out.push(&folded[start..i]);
        }
        if cjk {
            if let Some(prev) = &run_last {
                out.push(&folded[prev.start..here.end]);
            }
            run_last = Some(here);
        } else {
            if let Some(prev) = run_last.take() {
                out.push(&folded[prev]);
            }
            if !sep && word.is_none() {
                word = Some(i);
            }
        }
    }
    if let Some(start) = word {
        out.push(&folded[start..]);
    }
    if let Some(prev) = run_last {
        out.push(&folded[prev]);
    }
    out
}

/// The tokens of a word index for already [`fold`]ed text: words of
/// non-CJK text whole; runs of CJK characters as overlapping bigrams followed
/// by the run's last character alone (`退款申请` → `退款`, `款申`, `申请`,
/// `请`). Punctuation, symbols and spaces separate tokens and are dropped.
pub fn index_tokens(folded: &str) -> Vec<&str> {
    tokens(folded)
}

/// How to look up one word or phrase of a query in a word index: its
/// tokens, to be found next to each other in that order, and whether the
/// last one is matched as a prefix (see [`word_match`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    /// The tokens, in order.
    pub tokens: Vec<String>,
    /// Match the last token by prefix.
    pub prefix: bool,
}

/// Plans the lookup of a word or phrase as typed on a **word index** over
/// [`index_tokens`] of the folded text (an FTS5 table in the SQLite store, a
/// `tsvector` in the PostgreSQL one): the term's tokens, to be found next to
/// each other in that order, and whether the last one is matched as a
/// prefix:
///
/// - a word of three characters or more finds the words that **start**
///   with it (`fatura` finds `faturanın`, `счет` finds `счета`,
///   `istanbul` finds `İstanbul'daki`); so does the last word of a term
///   that the index splits into several (`e-ma` finds `e-mail`);
/// - a word of one or two characters finds that whole word (`ok`, `да`);
/// - Chinese, Japanese and Korean text matches anywhere: its overlapping
///   bigrams are looked up as a phrase (`退款申请` → `退款 款申 申请`), and a
///   lone last character by prefix (`退` finds `退款`);
/// - a quoted `phrase` matches its words exactly, in order (only a lone CJK
///   character at its end is still a prefix).
///
/// Punctuation separates words and is otherwise ignored. `None` when nothing
/// searchable is left (only punctuation, say).
pub fn word_match(term: &str, phrase: bool) -> Option<TextMatch> {
    let folded = fold(term);
    let folded = folded.trim_matches(|c: char| !is_cjk(c) && is_separator(c));
    let mut toks = tokens(folded);
    // The index ends every CJK run with its last character alone; a query's
    // final run may stop in the middle of a run of the text, so it leaves that
    // lone character out (its bigrams already say everything).
    let mut tail = folded.chars().rev();
    if let (Some(a), Some(b)) = (tail.next(), tail.next())
        && is_cjk(a)
        && is_cjk(b)
    {
        toks.pop();
    }
    let last = *toks.last()?;
    let lone_cjk = last.chars().count() == 1 && last.chars().all(is_cjk);
    let word = !last.chars().any(is_cjk);
    let prefix = lone_cjk || (!phrase && word && (toks.len() > 1 || last.chars().count() >= 3));
    Some(TextMatch { tokens: toks.into_iter().map(str::to_string).collect(), prefix })
}

/// `text` folded, with the byte range of `text` each byte of the folded text
/// came from.
fn fold_with_origin(text: &str) -> (String, Vec<Range<usize>>) {
    let mut origin: Vec<Range<usize>> = Vec::new();
    let mut folded = String::with_capacity(text.len());
    fold_into(
        text,
        |from, to| {
            if to.is_empty() {
                // A dropped character belongs to the one before it.
                if let Some(prev) = origin.last().map(|r| r.start) {
                    let extended = prev..from.end;
                    for r in origin.iter_mut().rev().take_while(|r| r.start == prev) {
                        *r = extended.clone();
                    }
                }
            } else {
                origin.extend(std::iter::repeat_n(from, to.len()));
            }
        },
        &mut folded,
        true,
    );
    (folded, origin)
}

/// Where the word or phrase `term` (as typed) matches `text` under
/// [`word_match`]'s rules, as byte ranges of `text`, sorted and not
/// overlapping: the highlights of a snippet, consistent with what the word
/// index found.
pub fn find_term(text: &str, term: &str, phrase: bool) -> Vec<Range<usize>> {
    let Some(TextMatch { tokens: want, prefix }) = word_match(term, phrase) else {
        return Vec::new();
    };
    let (folded, origin) = fold_with_origin(text);
    let base = folded.as_ptr() as usize;
    let have: Vec<(usize, &str)> = tokens(&folded).into_iter().map(|t| (t.as_ptr() as usize - base, t)).collect();
    let k = want.len();
    let mut out: Vec<Range<usize>> = Vec::new();
    if k == 0 || have.len() < k {
        return out;
    }
    for i in 0..=have.len() - k {
        let hit = want.iter().enumerate().all(|(j, w)| {
            let h = have[i + j].1;
            if j + 1 == k && prefix { h.starts_with(w.as_str()) } else { h == w }
        });
        if !hit {
            continue;
        }
        let start = have[i].0;
        let end = have[i + k - 1].0 + want[k - 1].len();
        let (Some(first), Some(last)) = (origin.get(start), origin.get(end - 1)) else { continue };
        let r = first.start..last.end;
        match out.last_mut() {
            Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_of_latin_letters_fold_away() {
        assert_eq!(fold("gönderemiyorum"), fold("gonderemiyorum"));
        assert_eq!(fold("GÖNDEREMİYORUM"), "gonderemiyorum");
        assert_eq!(
            fold("Ça va, café São Paulo Łódź Øre Ærø straße Șase Ţară"),
            "ca va, cafe sao paulo lodz ore aero strasse sase tara"
        );
        assert_eq!(fold("Tiếng Việt"), "tieng viet");
        assert_eq!(fold("go\u{308}nder"), "gonder"); // decomposed ö
        // Other scripts keep their marks; CJK is unchanged.
        assert_eq!(fold("Мой ЁЖ"), "мой еж");
        assert_eq!(fold("退款 × ÷"), "退款 × ÷");
        for s in ["gönderemiyorum", "Ærø", "go\u{308}nder", "ŞIK İŞ"] {
            assert_eq!(fold(&fold(s)), fold(s), "{s}");
        }
        // Highlights cover the accented word as written.
        let text = "Dosya gönderemiyorum.";
        assert_eq!(
            find_term(text, "gonderemiyorum", false).iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(),
            ["gönderemiyorum"]
        );
    }

    #[test]
    fn turkish_folding() {
        assert_eq!(fold("İSTANBUL"), "istanbul");
        assert_eq!(fold("istanbul"), "istanbul");
        assert_eq!(fold("IŞIK"), fold("ışık"));
        assert_eq!(fold("ışık"), "isik");
        assert_eq!(fold_case("ışık"), "işik");
        assert_eq!(fold("I\u{307}STANBUL"), "istanbul"); // decomposed İ
        assert_eq!(fold("ÇĞÖÜŞ"), "cgous");
        assert_eq!(fold_case("ÇĞÖÜŞ"), "çğöüş");
        assert_eq!(fold("INVOICE"), "invoice");
        assert!(fold("İstanbul'da bir IŞIK").contains(&fold("İSTANBUL")));
        assert!(fold("ışıklar yandı").contains(&fold("IŞIK")));
    }

    #[test]
    fn russian_and_chinese_folding() {
        assert_eq!(fold("ПРИВЕТ"), "привет");
        assert_eq!(fold("Привет"), fold("привет"));
        assert_eq!(fold("ЁЛКА"), "елка");
        assert_eq!(fold("ещё"), fold("еще"));
        assert_eq!(fold("我的退款申请"), "我的退款申请");
        assert_eq!(fold("ＡＢＣ１２３　退款"), "abc123 退款");
        assert_eq!(fold("Straße ΣΟΦΟΣ"), "strasse σοφοσ");
    }

    #[test]
    fn index_tokens_split_words_and_cjk_bigrams() {
        assert_eq!(index_tokens(&fold("Sunucu çöktü! İstanbul'da.")), vec!["sunucu", "coktu", "istanbul", "da"]);
        assert_eq!(index_tokens("我的退款申请"), vec!["我的", "的退", "退款", "款申", "申请", "请"]);
        assert_eq!(index_tokens("退"), vec!["退"]);
        assert_eq!(index_tokens("iphone退款，谢谢。ok"), vec!["iphone", "退款", "款", "谢谢", "谢", "ok"]);
        assert_eq!(index_tokens("привет, мир"), vec!["привет", "мир"]);
        assert_eq!(index_tokens("  ...  "), Vec::<&str>::new());
        assert_eq!(index_tokens("안녕하세요 고객님"), vec!["안녕", "녕하", "하세", "세요", "요", "고객", "객님", "님"]);
    }

    #[test]
    fn find_term_points_into_the_original_text() {
        let text = "İSTANBUL'da IŞIK, Straße";
        let found = |term| find_term(text, term, false).into_iter().map(|r| &text[r]).collect::<Vec<_>>();
        assert_eq!(found("istanbul"), vec!["İSTANBUL"]);
        assert_eq!(found("ışık"), vec!["IŞIK"]);
        assert_eq!(found("strasse"), vec!["Straße"]);
        let decomposed = "I\u{307}STANBUL";
        assert_eq!(find_term(decomposed, "istanbul", false), vec![0..decomposed.len()]);
        assert_eq!(find_term("我的退款申请", "退款", false), vec![6..12]);
        assert!(find_term("abc", "  ", false).is_empty());
    }

    fn wm(term: &str, phrase: bool) -> Option<(Vec<String>, bool)> {
        word_match(term, phrase).map(|m| (m.tokens, m.prefix))
    }

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn word_match_plans() {
        assert_eq!(wm("İSTANBUL", false), Some((owned(&["istanbul"]), true)));
        assert_eq!(wm("ok", false), Some((owned(&["ok"]), false)));
        assert_eq!(wm("да", false), Some((owned(&["да"]), false)));
        assert_eq!(wm("e-ma", false), Some((owned(&["e", "ma"]), true)));
        assert_eq!(wm("退款", false), Some((owned(&["退款"]), false)));
        assert_eq!(wm("退", false), Some((owned(&["退"]), true)));
        assert_eq!(wm("退款申请", false), Some((owned(&["退款", "款申", "申请"]), false)));
        // A CJK run followed by more text keeps its lone last character, as the index does.
        assert_eq!(wm("退款abc", false), Some((owned(&["退款", "款", "abc"]), true)));
        assert_eq!(wm("server is down", true), Some((owned(&["server", "is", "down"]), false)));
        assert_eq!(wm("\"退款。\"", false), Some((owned(&["退款"]), false)));
        assert_eq!(wm("!!", false), None);
        // The index holds the tokens each short query asks for.
        let idx = index_tokens("我的退款申请");
        assert!(idx.contains(&"退款"));
        assert!(idx.iter().any(|t| t.starts_with("退")) && idx.iter().any(|t| t.starts_with("请")));
        // Every plan finds the text it came from.
        for (text, term) in [
            ("İstanbul'daki sunucu", "istanbul"),
            ("ışık yandı", "IŞIK"),
            ("Счёт не пришёл", "СЧЕТ"),
            ("我的退款申请被拒绝", "退"),
            ("我的退款申请被拒绝", "退款"),
            ("我的退款申请被拒绝", "退款申请"),
            ("我的退款申请被拒绝", "拒绝"),
            ("iphone退款，谢谢", "iphone退款"),
            ("please send the e-mail", "e-ma"),
        ] {
            assert!(!find_term(text, term, false).is_empty(), "{term:?} does not find {text:?}");
        }
    }

    #[test]
    fn find_term_follows_word_rules() {
        let text = "İSTANBUL'daki sunucu, token ok. Fatura faturanın";
        let r = find_term(text, "istanbul", false);
        assert_eq!(r.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), vec!["İSTANBUL"]);
        // Short words match whole words only: "ok" is not found inside "token".
        let r = find_term(text, "ok", false);
        assert_eq!(r.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), vec!["ok"]);
        // Longer words match the start of words, not their inside.
        let r = find_term(text, "fatura", false);
        assert_eq!(r.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), vec!["Fatura", "fatura"]);
        assert!(find_term(text, "stanbul", false).is_empty());
        let zh = "我的退款申请被拒绝";
        let r = find_term(zh, "退款申", false);
        assert_eq!(r.iter().map(|r| &zh[r.clone()]).collect::<Vec<_>>(), vec!["退款申"]);
        let r = find_term(zh, "退", false);
        assert_eq!(r.iter().map(|r| &zh[r.clone()]).collect::<Vec<_>>(), vec!["退"]);
        let r = find_term("Server is down. server is downloading", "server is down", true);
        assert_eq!(r, vec![0..14]);
        let r = find_term("Straße", "strasse", false);
        assert_eq!(r, vec![0..7]);
    }
}
