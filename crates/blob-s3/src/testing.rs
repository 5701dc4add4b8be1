//! A real S3-compatible server for tests: moto's server mode, from the test
//! venv (`target/pyenv`, made by `scripts/test` from
//! `tests/python/requirements.txt`), on a free loopback port. It is stopped
//! when the [`Moto`] guard is dropped.
//!
//! Everything here panics with the way out on failure: it is for tests only
//! (the `testing` feature).

use crate::S3Settings;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How to set the test venv up, for failure messages.
pub const SETUP: &str = "set up the test venv with `python3 -m venv target/pyenv && \
     target/pyenv/bin/pip install -r tests/python/requirements.txt` from the repository root \
     (scripts/test does it), or point TESSERA_TEST_PYTHON at a Python that has moto[server]";

/// The longest wait for moto to answer after it is started.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The Python interpreter of the test venv (`TESSERA_TEST_PYTHON` overrides).
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("TESSERA_TEST_PYTHON") {
        return p.into();
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python")
}

/// A running moto server; killed on drop.
#[derive(Debug)]
pub struct Moto {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    child: Child,
    log: PathBuf,
    http: reqwest::Client,
}

impl Moto {
    /// Starts moto on a free loopback port and waits (bounded) until it
    /// answers. Panics, with the setup command, when the venv or moto is
    /// missing.
    pub async fn start() -> Self {
        let py = python();
        assert!(py.exists(), "{} is missing: {SETUP}", py.display());
        // Everything that may panic comes before the spawn or after the
        // guard holds the child, so no moto outlives a failed test.
        crate::install_tls_provider();
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_else(|e| panic!("cannot build an HTTP client: {e}"));
        let port = free_port();
        let log = std::env::temp_dir().join(format!("tessera-moto-{}-{port}.log", std::process::id()));
        let out = std::fs::File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().unwrap_or_else(|e| panic!("cannot share {}: {e}", log.display()));
        let child = Command::new(&py)
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .env("NO_PROXY", "127.0.0.1")
            .env("no_proxy", "127.0.0.1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} -m moto.server: {e}; {SETUP}", py.display()));
        let mut moto = Self { endpoint: format!("http://127.0.0.1:{port}"), child, log, http };
        moto.wait_until_up().await;
        moto
    }

    async fn wait_until_up(&mut self) {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("moto exited at start ({status}): {}\n{SETUP}", self.log_tail());
            }
            if let Ok(r) = self.http.get(format!("{}/moto-api/", self.endpoint)).send().await
                && r.status().is_success()
            {
                return;
            }
            if started.elapsed() > START_TIMEOUT {
                panic!("moto did not answer on {} within {START_TIMEOUT:?}: {}", self.endpoint, self.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Settings for `bucket` on this server (path-style, plain http, test
    /// credentials).
    pub fn settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            bucket: bucket.into(),
            endpoint: Some(self.endpoint.clone()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            allow_http: true,
            ..S3Settings::default()
        }
    }

    /// Creates `bucket` (a plain `PUT /bucket`; moto does not check
    /// signatures).
    pub async fn create_bucket(&self, bucket: &str) {
        let r = self
            .http
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap_or_else(|e| panic!("cannot create the bucket {bucket}: {e}"));
        assert!(r.status().is_success(), "creating the bucket {bucket}: {}", r.status());
    }

    /// The keys in `bucket`, read with a plain `ListObjectsV2` (not through
    /// the store under test).
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let r = self
            .http
            .get(format!("{}/{bucket}?list-type=2", self.endpoint))
            .send()
            .await
            .unwrap_or_else(|e| panic!("cannot list {bucket}: {e}"));
        assert!(r.status().is_success(), "listing {bucket}: {}", r.status());
        let xml = r.text().await.unwrap_or_else(|e| panic!("cannot read the listing of {bucket}: {e}"));
        xml.split("<Key>").skip(1).filter_map(|s| s.split("</Key>").next()).map(String::from).collect()
    }

    /// A plain object_store client on `bucket` (signed requests, no prefix,
    /// no content addressing: not the store under test).
    fn raw(&self, bucket: &str) -> AmazonS3 {
        let s = self.settings(bucket);
        AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_region(s.region)
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_access_key_id("testing")
            .with_secret_access_key("testing")
            .build()
            .unwrap_or_else(|e| panic!("cannot build an S3 client: {e}"))
    }

    /// An object's bytes, read with a plain `GetObject`; None when missing.
    pub async fn object(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let path = Path::parse(key).unwrap_or_else(|e| panic!("bad key {key}: {e}"));
        match self.raw(bucket).get(&path).await {
            Ok(got) => Some(got.bytes().await.unwrap_or_else(|e| panic!("cannot read {bucket}/{key}: {e}")).to_vec()),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => panic!("cannot read {bucket}/{key}: {e}"),
        }
    }

    /// Replaces an object's bytes behind the store's back (to test that
    /// damage is noticed).
    pub async fn overwrite(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        let path = Path::parse(key).unwrap_or_else(|e| panic!("bad key {key}: {e}"));
        if let Err(e) = self.raw(bucket).put(&path, PutPayload::from(bytes)).await {
            panic!("cannot write {bucket}/{key}: {e}");
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A loopback port nobody listens on (the OS's choice).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"));
    l.local_addr().unwrap_or_else(|e| panic!("no local address: {e}")).port()
}
