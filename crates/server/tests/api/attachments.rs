//! Uploads and downloads.

use crate::support::*;
use serde_json::json;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn upload_attach_and_download() {
    let w = World::new().await;
    let up = w.erin.upload(&[("../../ekran görüntüsü.png", PNG), ("notes.txt", "Привет".as_bytes())]).await.expect(201);
    let files = up.body["attachments"].as_array().unwrap().clone();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["filename"], "ekran görüntüsü.png");
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[1]["content_type"], "text/plain; charset=utf-8");
    assert_eq!(files[0]["size"], PNG.len());
    let ids: Vec<i64> = files.iter().map(|f| f["id"].as_i64().unwrap()).collect();
    // Before attaching, only the uploader sees them.
    w.dave.get(&format!("/attachments/{}", ids[0])).await.expect(404);
    w.ayse.get(&format!("/attachments/{}", ids[0])).await.expect(404);
    let t = w
        .erin
        .post(
            "/tickets",
            json!({"subject": "Screenshot", "department_id": w.billing, "body": "see attached", "attachment_ids": ids}),
        )
        .await
        .expect(201);
    assert_eq!(t.body["messages"][0]["attachment_ids"], json!(ids));
    // Each upload attaches once.
    let r = w
        .erin
        .post(&format!("/tickets/{}/replies", t.id()), json!({"body": "again", "attachment_ids": [ids[0]]}))
        .await
        .expect(422);
    assert_eq!(r.field(), "attachment_ids");
    // The department's agent downloads it as an attachment.
    let d = w.ayse.get(&format!("/attachments/{}/download", ids[0])).await.expect(200);
    assert_eq!(d.bytes, PNG);
    assert_eq!(d.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(d.header("x-content-type-options").as_deref(), Some("nosniff"));
    let cd = d.header("content-disposition").unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(cd.contains("filename*=UTF-8''ekran%20g%C3%B6r%C3%BCnt%C3%BCs%C3%BC.png"), "{cd}");
    let meta = w.ayse.get(&format!("/attachments/{}", ids[1])).await.expect(200);
    assert_eq!(meta.body["ticket_id"], t.id());
    // Others cannot.
    w.boris.get(&format!("/attachments/{}/download", ids[0])).await.expect(404);
    w.dave.get(&format!("/attachments/{}/download", ids[0])).await.expect(404);
}

#[tokio::test]
async fn the_type_is_sniffed_not_trusted_and_blobs_are_shared() {
    let w = World::new().await;
    // An HTML file sent as a "png" is served as text, never as HTML.
    let html = b"<html><script>alert(1)</script></html>";
    let a = w.erin.upload(&[("evil.png", html)]).await.expect(201);
    assert_eq!(a.body["attachments"][0]["content_type"], "text/plain; charset=utf-8");
    let b = w.dave.upload(&[("copy.png", html)]).await.expect(201);
    assert_eq!(a.body["attachments"][0]["sha256"], b.body["attachments"][0]["sha256"]);
    // One blob on disk for both.
    let sha = a.body["attachments"][0]["sha256"].as_str().unwrap().to_string();
    let blob = w.server.path().join("blobs").join(&sha[0..2]).join(&sha[2..4]).join(&sha);
    assert_eq!(std::fs::read(blob).unwrap(), html);
    let mut count = 0;
    for entry in walk(&w.server.path().join("blobs")) {
        if entry.file_name().map(|n| n.to_string_lossy().starts_with(".tmp")) == Some(true) {
            panic!("temporary file left behind");
        }
        count += 1;
    }
    assert_eq!(count, 1);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
