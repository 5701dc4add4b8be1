//! Hostile and damaged input: parsing, classifying, quote finding and
//! subject handling never panic, and a quote start is always a character
//! boundary inside the text (the desk slices the text there).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::LazyLock;

use proptest::prelude::*;
use tessera_mail::{LanguageHint, ParseOptions, html, parse, quote, subject, tnef};

static CORPUS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> =
        std::fs::read_dir(dir).expect("corpus dir").filter_map(|e| e.ok()).map(|e| e.path()).collect();
    files.sort();
    files.iter().map(|p| std::fs::read(p).expect("corpus file")).collect()
});

fn hint() -> impl Strategy<Value = LanguageHint> {
    prop_oneof![
        Just(LanguageHint::En),
        Just(LanguageHint::Tr),
        Just(LanguageHint::Ru),
        Just(LanguageHint::Zh),
        Just(LanguageHint::Ja),
    ]
}

/// One edit to a message: overwrite, insert or delete a few bytes, or cut it.
#[derive(Debug, Clone)]
enum Edit {
    Overwrite(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let bytes = prop::collection::vec(any::<u8>(), 1..16);
    let tokens = prop::sample::select(vec![
        b"\r\n".to_vec(),
        b"\n\n".to_vec(),
        b"--".to_vec(),
        b"=?utf-8?B?".to_vec(),
        b"?=".to_vec(),
        b"=\r\n".to_vec(),
        b"Content-Type: multipart/mixed; boundary=x\n".to_vec(),
        b"Content-Transfer-Encoding: base64\n".to_vec(),
        b"<blockquote type=cite>".to_vec(),
        b"\xff\xfe\xc3".to_vec(),
        b"> ".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), bytes.clone()).prop_map(|(at, b)| Edit::Overwrite(at, b)),
        (any::<usize>(), prop_oneof![bytes, tokens]).prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..64).prop_map(|(at, n)| Edit::Delete(at, n)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(mut raw: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = raw.len().max(1);
        match e {
            Edit::Overwrite(at, b) => {
                let at = at % len;
                for (i, x) in b.iter().enumerate() {
                    if let Some(slot) = raw.get_mut(at + i) {
                        *slot = *x;
                    }
                }
            }
            Edit::Insert(at, b) => {
                let at = (at % len).min(raw.len());
                raw.splice(at..at, b.iter().copied());
            }
            Edit::Delete(at, n) => {
                let at = (at % len).min(raw.len());
                let end = (at + n).min(raw.len());
                raw.drain(at..end);
            }
            Edit::Truncate(at) => raw.truncate(at % len),
        }
    }
    raw
}

fn check(raw: &[u8], hint: LanguageHint) {
    let options = ParseOptions::new(hint).with_loop_id("tessera-test-instance");
    if let Ok(mail) = parse(raw, &options) {
        if let Some(q) = mail.quote_start {
            assert!(q < mail.text.len(), "quote start past the end");
            assert!(mail.text.is_char_boundary(q), "quote start inside a character");
        }
        let _ = subject::normalize(&mail.subject);
        let _ = subject::ticket_tag(&mail.subject);
    }
}

// 256 cases each by default; PROPTEST_CASES=… runs more.
proptest! {
    #[test]
    fn random_bytes_never_panic(raw in prop::collection::vec(any::<u8>(), 0..2048), hint in hint()) {
        check(&raw, hint);
        // The same bytes as the body of a message, so they reach MIME parsing.
        for head in [
            &b"From: a@example.org\nSubject: x\n\n"[..],
            &b"From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"[..],
            &b"From: a@example.org\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"[..],
        ] {
            let mut message = head.to_vec();
            message.extend_from_slice(&raw);
            check(&message, hint);
        }
    }

    #[test]
    fn mutated_corpus_messages_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..8),
        hint in hint(),
    ) {
        let original = pick.get(&CORPUS).clone();
        check(&apply(original, &edits), hint);
    }

    #[test]
    fn quote_start_is_a_boundary_inside_any_text(text in "(\\PC{0,40}\n?){0,30}") {
        if let Some(q) = quote::quote_start(&text) {
            prop_assert!(q < text.len());
            prop_assert!(text.is_char_boundary(q));
            prop_assert!(!text[..q].trim().is_empty(), "something new precedes the quote");
        }
    }

    #[test]
    fn quote_markers_in_random_places_keep_boundaries(
        parts in prop::collection::vec(prop_oneof![
            "\\PC{0,30}".prop_map(|s| s),
            Just("> ".to_owned()),
            Just("\n".to_owned()),
            Just("On Mon, Dec 7, 2026 Support wrote:\n".to_owned()),
            Just("Destek, 7 Ara 2026 tarihinde şunu yazdı:\n".to_owned()),
            Just("客服 写道：\n".to_owned()),
            Just("07.12.2026 10:00, Поддержка пишет:\n".to_owned()),
            Just("From: a\nSent: b\n".to_owned()),
            Just("-- \n".to_owned()),
            Just(quote::REPLY_SEPARATOR.to_owned()),
        ], 0..20)
    ) {
        let text: String = parts.concat();
        if let Some(q) = quote::quote_start(&text) {
            prop_assert!(q < text.len() && text.is_char_boundary(q));
        }
    }

    #[test]
    fn html_quote_start_is_a_boundary(html in "(<[a-z/ =\"_]{0,20}>|&[a-z#0-9]{0,6};?|\\PC{0,10}){0,40}") {
        let out = html::to_text(&html);
        if let Some(q) = out.quote_start {
            prop_assert!(q < out.text.len() && out.text.is_char_boundary(q));
        }
        // Where pages cut the HTML: a tag's start, inside it, for any offset.
        let cuts = out.html_quote_start.into_iter().chain((0..=out.text.len() + 1).filter_map(|t| out.html_offset(t)));
        for at in cuts {
            prop_assert!(at < html.len() && html.is_char_boundary(at) && html[at..].starts_with('<'));
        }
    }

    #[test]
    fn winmail_dat_never_panics(raw in prop::collection::vec(any::<u8>(), 0..1024), cut in any::<prop::sample::Index>()) {
        let _ = tnef::files(&raw);
        // A real stream's signature in front, so the attribute reader runs.
        let mut signed = vec![0x78, 0x9F, 0x3E, 0x22, 0x01, 0x00];
        signed.extend_from_slice(&raw);
        let _ = tnef::files(&signed[..cut.index(signed.len() + 1)]);
    }

    #[test]
    fn subjects_never_panic_and_normalising_is_stable(s in "\\PC{0,80}") {
        let once = subject::normalize(&s);
        prop_assert_eq!(subject::normalize(&once), once);
        if let Some(tag) = subject::ticket_tag(&s) {
            prop_assert!(tag.len() >= 6 && !tag.starts_with('0'));
        }
    }
}
