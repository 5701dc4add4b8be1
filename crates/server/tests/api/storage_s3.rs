//! Attachments on S3-compatible storage: the real server configured with
//! `[storage] kind = "s3"` against a real S3-compatible server on a loopback
//! port (moto, from the test venv; see `tessera_blob_s3::testing`).

use crate::support::*;
use serde_json::json;
use std::time::Duration;
use tempfile::TempDir;
use tessera_blob_s3::testing::Moto;
use tessera_server::Config;

/// `tessera.toml` for `bucket` on `moto` (the credentials are moto's dummies).
fn storage_toml(moto: &Moto, bucket: &str, prefix: &str) -> String {
    format!(
        "[storage]\nkind = \"s3\"\nbucket = \"{bucket}\"\nendpoint = \"{}\"\nregion = \"us-east-1\"\n\
         access_key_id = \"testing\"\nsecret_access_key = \"testing\"\nprefix = \"{prefix}\"\nallow_http = true\n",
        moto.endpoint
    )
}

#[tokio::test]
async fn attachments_go_to_the_bucket_and_survive_a_restart() {
    tokio::time::timeout(Duration::from_secs(180), async {
        let moto = Moto::start().await;
        moto.create_bucket("tessera-att").await;
        let dir = TempDir::new().unwrap();
        std::fs::write(dir.path().join("tessera.toml"), storage_toml(&moto, "tessera-att", "desk1")).unwrap();
        tessera_server::startup::check_blobs(&Config::load(dir.path(), &|_| None).unwrap()).await.unwrap();

        let server = TestServer::start_in(dir, |_| {}).await;
        server.anonymous().get("/readyz").await.expect(200);
        let admin = server.admin().await;
        let bytes: Vec<u8> = "Günlük — 日志 — журнал\n".repeat(5000).into_bytes();
        let up = admin.upload(&[("server.log", &bytes)]).await.expect(201);
        let file = &up.body["attachments"][0];
        let (id, sha) = (file["id"].as_i64().unwrap(), file["sha256"].as_str().unwrap().to_string());
        assert_eq!(file["size"], bytes.len());
        let dept = admin.get("/departments").await.expect(200).body["departments"][0]["id"].as_i64().unwrap();
        admin
            .post(
                "/tickets",
                json!({"subject": "Logs", "department_id": dept, "body": "attached", "attachment_ids": [id]}),
            )
            .await
            .expect(201);
        let d = admin.get(&format!("/attachments/{id}/download")).await.expect(200);
        assert_eq!(d.bytes, bytes, "downloaded byte for byte");

        // In the bucket, under the prefix, in the folder layout; not on disk.
        let key = format!("desk1/{}/{}/{sha}", &sha[0..2], &sha[2..4]);
        assert_eq!(moto.keys("tessera-att").await, [key.as_str()]);
        assert_eq!(moto.object("tessera-att", &key).await.unwrap(), bytes);
        assert!(!server.path().join("blobs").exists(), "nothing may be written to the data folder's blobs/");
        // The same file again is the same object.
        let again = admin.upload(&[("copy.log", &bytes)]).await.expect(201);
        assert_eq!(again.body["attachments"][0]["sha256"], sha.as_str());
        assert_eq!(moto.keys("tessera-att").await.len(), 1);

        // A restart on the same configuration reads it back.
        let token = admin.token.clone().unwrap();
        let dir = server.stop().await;
        let server = TestServer::start_in(dir, |_| {}).await;
        let d = server.with_token(&token).get(&format!("/attachments/{id}/download")).await.expect(200);
        assert_eq!(d.bytes, bytes);
        assert!(!server.path().join("blobs").exists());

        // Storage going away: /readyz says so; a download is a clean 503, never a panic.
        drop(moto);
        let r = server.anonymous().get("/readyz").await;
        assert_eq!(r.status, 503, "{:?}", String::from_utf8_lossy(&r.bytes));
        assert!(String::from_utf8_lossy(&r.bytes).contains("attachment storage"));
        let r = server.with_token(&token).get(&format!("/attachments/{id}/download")).await;
        assert_eq!(r.status, 503, "{}", r.body);
        assert_eq!(r.code(), "unavailable", "a retry may work: {}", r.body);
        server.anonymous().get("/healthz").await.expect(200);
    })
    .await
    .expect("the test took more than three minutes");
}

#[tokio::test]
async fn s3_without_a_bucket_or_with_a_missing_one_is_refused_at_start() {
    // No bucket: the configuration is refused, saying what is missing.
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("tessera.toml"), "[storage]\nkind = \"s3\"\n").unwrap();
    let e = Config::load(dir.path(), &|_| None).unwrap_err().to_string();
    assert!(e.contains("needs a bucket") && e.contains("TESSERA_S3_BUCKET"), "{e}");
    let env = |k: &str| (k == "TESSERA_STORAGE_KIND").then(|| "s3".to_string());
    std::fs::remove_file(dir.path().join("tessera.toml")).unwrap();
    let e = Config::load(dir.path(), &env).unwrap_err().to_string();
    assert!(e.contains("needs a bucket"), "{e}");
    // Set in code past the loader: opening the installation refuses it too.
    let mut c = Config::load(dir.path(), &|_| None).unwrap();
    c.storage = tessera_server::config::StorageConfig::S3(tessera_blob_s3::S3Settings::default());
    let e = tessera_server::startup::open_desk(&c).await.err().expect("refused").to_string();
    assert!(e.contains("needs a bucket"), "{e}");

    // A bucket that does not exist: the start-up check names it.
    tokio::time::timeout(Duration::from_secs(120), async {
        let moto = Moto::start().await;
        std::fs::write(dir.path().join("tessera.toml"), storage_toml(&moto, "not-made", "")).unwrap();
        let c = Config::load(dir.path(), &|_| None).unwrap();
        let e = tessera_server::startup::check_blobs(&c).await.unwrap_err().to_string();
        assert!(e.contains("not-made"), "{e}");
    })
    .await
    .expect("the test took more than two minutes");
}
