//! Properties of the whole search language on random input: any string
//! parses or is refused with an error that points into it, whatever parses
//! prints back to the same tree, and folding is stable.

use super::*;
use proptest::prelude::*;

fn p(s: &str) -> Query {
    match parse(s) {
        Ok(q) => q,
        Err(e) => panic!("{s:?} did not parse: {e}"),
    }
}

/// Pieces that make many valid and invalid queries when strung together.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("refund".to_string()),
        Just("İSTANBUL".to_string()),
        Just("退款".to_string()),
        Just(" ".to_string()),
        Just(" ".to_string()),
        Just(" OR ".to_string()),
        Just(" and ".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("\"".to_string()),
        Just("\"a b\"".to_string()),
        Just("-".to_string()),
        Just(":".to_string()),
        Just("<".to_string()),
        Just(">=".to_string()),
        Just("#".to_string()),
        Just("#12".to_string()),
        Just("tag:spam".to_string()),
        Just("status:".to_string()),
        Just("status<solved".to_string()),
        Just("priority>=high".to_string()),
        Just("assignee:me".to_string()),
        Just("assignee:\"me\"".to_string()),
        Just("requester:\"Ayşe Yılmaz\"".to_string()),
        Just("department:12".to_string()),
        Just("org:\"2024\"".to_string()),
        Just("created>2026-01-01".to_string()),
        Just("created:2026-01-01T10:00".to_string()),
        Just("updated<7d".to_string()),
        Just("has:attachment".to_string()),
        Just("sla:breached".to_string()),
        Just("sla<4h".to_string()),
        Just("sla>=".to_string()),
        Just("foo:bar".to_string()),
        "[a-zA-Zçğışöüİı0-9_@.é-]{1,6}",
        any::<char>().prop_map(String::from),
    ]
}

/// A term that always parses.
fn valid_term() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Zçğışöüİı0-9_@.é退款][a-zA-Zçğışöüİı0-9_@.é退款:-]{0,5}"
            .prop_filter("keywords", |w| !w.eq_ignore_ascii_case("or") && !w.eq_ignore_ascii_case("and"))
            .prop_filter("fields", |w| w.split_once(':').is_none_or(|(a, _)| !a.starts_with(char::is_alphabetic))),
        "\"[a-zA-Z()İı退款:-]{1,4}( [a-z]{1,3})?\"",
        "requester:\"[a-zA-Zşı]{1,5}( [a-zA-Z]{1,5})?\"",
        "tag:\"[a-z()-]{1,5}\"",
        "department:\"?[0-9]{1,3}\"?".prop_filter("balanced", |v| v.matches('"').count() != 1),
        "#[0-9]{1,8}",
        Just("status:pending".to_string()),
        Just("status:waiting_on_vendor".to_string()),
        Just("status>=hold".to_string()),
        Just("priority<normal".to_string()),
        Just("type:task".to_string()),
        Just("assignee:none".to_string()),
        Just("assignee:\"None\"".to_string()),
        Just("org:Acme".to_string()),
        Just("updated>=2W".to_string()),
        Just("created<2026-12-31T23:59".to_string()),
        Just("created:2026-01-31".to_string()),
        Just("has:attachments".to_string()),
        Just("sla:Breached".to_string()),
        Just("sla:running".to_string()),
        Just("sla<=2d".to_string()),
        Just("sla>4H".to_string()),
    ]
}

/// A query that parses unless it is too long or too deep.
fn valid_query() -> impl Strategy<Value = String> {
    valid_term().prop_recursive(6, 48, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" ")),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" OR ")),
            prop::collection::vec(inner.clone(), 2..3).prop_map(|v| v.join(" AND ")),
            inner.clone().prop_map(|q| format!("-({q})")),
            inner.clone().prop_map(|q| format!("-{q}")),
            inner.prop_map(|q| format!("({q})")),
        ]
    })
}

fn check_any(s: &str) -> Result<(), TestCaseError> {
    match parse(s) {
        Ok(q) => {
            let printed = q.to_string();
            // Printing can lengthen a query a little (`dept:` → `department:`).
            if printed.chars().count() <= MAX_QUERY_CHARS {
                prop_assert_eq!(parse(&printed), Ok(q.clone()), "{:?} printed as {:?}", s, printed);
            }
            for part in q.free_text() {
                prop_assert!(!part.text.is_empty());
            }
        }
        Err(err) => {
            prop_assert!(err.offset <= s.len(), "offset {} beyond {:?}", err.offset, s);
            prop_assert!(s.is_char_boundary(err.offset));
            prop_assert!(!err.to_string().is_empty());
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn any_string_parses_or_errors(s in any::<String>()) {
        check_any(&s)?;
    }

    #[test]
    fn query_like_strings_parse_or_error_and_round_trip(parts in prop::collection::vec(fragment(), 0..24)) {
        check_any(&parts.concat())?;
    }

    #[test]
    fn valid_queries_parse_and_round_trip(s in valid_query()) {
        match parse(&s) {
            Ok(_) => check_any(&s)?,
            Err(e) => prop_assert!(
                matches!(e.kind, ParseErrorKind::TooLong { .. } | ParseErrorKind::TooDeep { .. }),
                "{:?}: {}", s, e
            ),
        }
    }

    #[test]
    fn deep_and_long_inputs_are_bounded(n in 0usize..600, c in prop::sample::select(vec!['(', ')', '-', '"', ':', 'a'])) {
        check_any(&c.to_string().repeat(n))?;
    }

    #[test]
    fn folding_is_stable(s in any::<String>()) {
        let f = fold(&s);
        prop_assert_eq!(&fold(&f), &f);
        for t in index_tokens(&f) {
            prop_assert!(!t.is_empty() && f.contains(t));
        }
        let _ = word_match(&s, false);
        for r in find_term(&s, "a", false) {
            prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end) && r.start < r.end);
        }
    }
}

#[test]
fn fragments_often_parse() {
    // The round-trip property above is only meaningful if many generated
    // queries parse: check a few typical concatenations by hand.
    for s in ["refund OR tag:spam", "-(\"a b\" status<solved) OR 退款", "assignee:\"me\" and org:\"2024\" #12"] {
        let q = p(s);
        assert_eq!(p(&q.to_string()), q);
    }
}
