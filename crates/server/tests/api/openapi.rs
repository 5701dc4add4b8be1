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
    assert_eq!(operations, 111, "update this count when adding routes, and document them");
}

#[tokio::test]
async fn every_operation_documents_the_errors_its_extractors_give() {
    let s = TestServer::start().await;
    let doc = s.anonymous().get("/api/v1/openapi.json").await.body;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let documented = |status: &str| op["responses"].get(status).is_some();
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has = |kind: &str| params.iter().any(|p| p["in"] == kind);
            let body = op.get("requestBody").is_some();
            let mut expected = vec!["401"];
            if has("path") {
                expected.push("404");
            }
            if has("query") || has("header") || body {
                expected.push("400");
            }
            if body {
                expected.extend(["413", "415", "422"]);
            }
            for status in expected {
                assert!(documented(status), "{method} {path} does not document {status}");
                let schema = &op["responses"][status]["content"]["application/json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/ErrorBody", "{method} {path} {status}");
            }
        }
    }
    // A header that is absent is not null: a version is a pattern of digits.
    let if_match = doc["paths"]["/api/v1/tickets/{id}"]["patch"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "If-Match")
        .unwrap()
        .clone();
    assert_eq!(if_match["schema"]["type"], "string", "{if_match}");
    assert!(if_match["schema"]["pattern"].is_string(), "{if_match}");
}
