//! `GET /metrics`: Prometheus text for an administrator's token, with the
//! requests the server answered and the tickets by category.

use crate::support::*;
use serde_json::json;

/// The value of a series line `name{labels} value`, when present.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn administrators_read_requests_and_ticket_counts_as_prometheus_text() {
    let w = World::new().await;
    let a = w.open(&w.erin, w.billing, "Fatura").await;
    w.open(&w.dave, w.tech, "Sunucu").await;
    w.admin.post_empty(&format!("/tickets/{a}/solve")).await.expect(200);
    for _ in 0..3 {
        w.ayse.get(&format!("/tickets/{a}")).await.expect(200);
    }
    w.ayse.get("/tickets/999999").await.expect(404);
    // Mail handed in: one that opens a ticket, one that is not mail.
    w.admin.patch(&format!("/departments/{}", w.billing), json!({"email": "fatura@tessera.test"})).await.expect(200);
    let mail = "From: erin@acme.test\r\nTo: fatura@tessera.test\r\nMessage-ID: <m@acme.test>\r\nSubject: Fatura\r\n\r\nFatura?";
    w.admin.post_raw("/mail/inbound", "message/rfc822", mail.as_bytes().to_vec()).await.expect(202);
    w.admin.post_raw("/mail/inbound", "message/rfc822", b"junk".to_vec()).await.expect(202);

    // Only an administrator's token reads it.
    w.server.anonymous().get("/metrics").await.expect(401);
    w.ayse.get("/metrics").await.expect(403);
    let r = w.admin.get("/metrics").await.expect(200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(r.bytes).unwrap();

    let route = "route=\"/api/v1/tickets/{id}\",method=\"GET\"";
    assert_eq!(series(&text, &format!("tessera_http_requests_total{{{route},status=\"2xx\"}}")), Some(3.0));
    assert_eq!(series(&text, &format!("tessera_http_requests_total{{{route},status=\"4xx\"}}")), Some(1.0));
    assert_eq!(series(&text, &format!("tessera_http_request_duration_seconds_count{{{route}}}")), Some(4.0));
    assert_eq!(
        series(&text, &format!("tessera_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}}")),
        Some(4.0)
    );
    assert_eq!(
        series(&text, "tessera_tickets{category=\"new\"}"),
        Some(2.0),
        "the one opened over the API and the one by mail"
    );
    assert_eq!(series(&text, "tessera_tickets{category=\"solved\"}"), Some(1.0));
    assert_eq!(series(&text, "tessera_tickets{category=\"closed\"}"), Some(0.0));
    assert_eq!(series(&text, "tessera_mail_inbound{source=\"http\",state=\"applied\",matched_by=\"new\"}"), Some(1.0));
    assert_eq!(series(&text, "tessera_mail_inbound{source=\"http\",state=\"quarantined\",matched_by=\"\"}"), Some(1.0));
    assert!(series(&text, "process_resident_memory_bytes").is_some_and(|b| b > 1_000_000.0));
    // Raw paths never become labels: the ids stay out.
    assert!(!text.contains("/tickets/999999") && !text.contains(&format!("/tickets/{a}\"")), "{text}");
    // Every line is a comment or `name{labels} number`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit_once(' ').map(|(_, v)| v).unwrap_or("");
        assert!(value.parse::<f64>().is_ok(), "not a sample line: {line}");
    }
}
