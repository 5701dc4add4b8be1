//! The OpenAPI document: generated from the handlers, covering every route,
//! and snapshot-tested so every API change is a reviewed diff.

use crate::support::*;

#[tokio::test]
async fn the_document_is_served_and_matches_the_snapshot() {
    let s = TestServer::start().await;
    let r = s.anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["openapi"].as_str().map(|v| &v[..2]), Some("3."));
    insta::assert_json_snapshot!("openapi", r.body);
}

#[tokio::test]
async fn the_document_covers_every_route() {
    let s = TestServer::start().await;
    let doc = s.anonymous().get("/api/v1/openapi.json").await.body;
    let admin = s.admin().await;
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, _) in item.as_object().unwrap() {
            operations += 1;
            // Every documented operation exists: it answers with something
            // other than the router's "no such route" or "wrong method".
            let concrete = path
                .replace("{id}", "1")
                .replace("{key}", "k")
                .replace("{kind}", "service")
                .replace("{external_id}", "x")
                .replace("{delivery}", "1");
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            if path.ends_with("/events/stream") {
                // An endless body: look at the status line only.
                let r = admin.request(m, &concrete).send().await.unwrap();
                assert_eq!(r.status(), 200, "{path}");
                continue;
            }
            let r = Api::send(admin.request(m, &concrete)).await;
            assert_ne!(r.status, 405, "{method} {path} is documented but not routed");
            if r.status == 404 {
                assert_ne!(
                    r.body["error"]["message"], "route not found",
                    "{method} {path} is documented but not routed"
                );
            }
        }
    }
    // Every route of the router is documented (the count of operations the
    // API module registers).
    assert_eq!(operations, 82, "update this count when adding routes, and document them");
}
