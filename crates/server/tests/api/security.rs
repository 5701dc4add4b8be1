//! Attacks found from outside (issue 14), each kept as a test: redirects
//! after sign-in, agents giving themselves reach, guest keys, sessions
//! after a password change, sign-in limits behind a proxy, live streams
//! after a revocation.

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

/// A browser that has fetched the sign-in form: its pre-session token.
async fn sign_in_form(b: &mut Browser) -> String {
    b.get("/sign-in").await.hidden("_pre").expect("the sign-in form has a pre-session token")
}

#[tokio::test]
async fn sign_in_never_redirects_off_site_and_never_fails_on_odd_next() {
    let w = World::new().await;
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);
    // Each of these, resolved by a browser against the site, leaves it, or is
    // not a path at all.
    let hostile = [
        "//evil.example/x",
        "/\\evil.example/x",
        "/\\/evil.example/x",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/ /evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/\u{0}x",
        "/\u{7f}x",
        "/x\r\nSet-Cookie: a=b",
    ];
    for next in hostile {
        // Through the form.
        let mut b = Browser::new(&w.server);
        let pre = sign_in_form(&mut b).await;
        let r = b
            .post("/sign-in", &[("_pre", &pre), ("next", next), ("email", "erin@example.org"), ("password", PW)])
            .await;
        assert_eq!((r.status, r.location().as_deref()), (303, Some("/")), "{next:?}");
        // Through the sign-in page of someone already signed in (and its query string).
        let r = b.get(&format!("/sign-in?next={}", enc(next))).await;
        assert_eq!((r.status, r.location().as_deref()), (303, Some("/")), "{next:?}");
        // And the page a visitor sees carries no hostile way back.
        let mut v = Browser::new(&w.server);
        let page = v.get(&format!("/sign-in?next={}", enc(next))).await;
        assert_eq!(page.status, 200, "{next:?}");
        assert_eq!(page.hidden("next").as_deref(), Some("/"), "{next:?}");
    }
    // The raw forms of the report, percent-encoded in the URL as an attacker sends them.
    for raw in ["/\\evil.example/x", "/%09/evil.example", "%2F%0A", "%2F%0D%0A", "%2F%00", "%2F%7F"] {
        let mut v = Browser::new(&w.server);
        let page = v.get(&format!("/sign-in?next={raw}")).await;
        assert_eq!(page.status, 200, "{raw}: {}", page.text);
        let mut b = Browser::new(&w.server);
        b.sign_in("erin@example.org", PW).await;
        let r = b.get(&format!("/sign-in?next={raw}")).await;
        assert_eq!((r.status, r.location().as_deref()), (303, Some("/")), "{raw}");
    }
    // A path of the site is kept, query string and all, non-ASCII percent-encoded.
    let mut b = Browser::new(&w.server);
    let pre = sign_in_form(&mut b).await;
    let r = b
        .post(
            "/sign-in",
            &[("_pre", &pre), ("next", "/tickets?q=Çay&page=2"), ("email", "erin@example.org"), ("password", PW)],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/tickets?q=%C3%87ay&page=2"));
    // The language switch's way back follows the same rule.
    let mut v = Browser::new(&w.server);
    v.get("/sign-in").await;
    let r = v.post("/language", &[("lang", "tr"), ("back", "/\\evil.example")]).await;
    assert_eq!((r.status, r.location().as_deref()), (303, Some("/")));
}
