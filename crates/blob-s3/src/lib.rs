//! Attachment blobs on S3-compatible object storage (AWS S3, MinIO, Ceph,
//! R2, moto...) through the `object_store` crate.
//!
//! Blobs are content-addressed like [`tessera_store::FsBlobStore`]'s folder,
//! with the same layout under an optional prefix:
//! `<prefix>/<ab>/<cd>/<sha256>` where `ab` and `cd` are the first two pairs
//! of hex digits of the SHA-256. A data folder's `blobs/` can therefore be
//! copied to a bucket as it is (`aws s3 sync DATA_DIR/blobs s3://bucket/prefix`).
//!
//! A put is one S3 `PutObject`, which the service applies whole or not at
//! all; the request is signed over the SHA-256 of its body, so a body cut
//! short on the way is refused by the service rather than stored. A get checks
//! that the bytes it read hash to their address.

#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};
use std::time::Duration;
use tessera_store::{BlobStore, StoreError, StoreResult, sha256_hex};
use thiserror::Error;

/// Why an S3 blob store cannot be made or used.
#[derive(Debug, Error)]
pub enum S3BlobError {
    /// A setting is wrong (no bucket, a bad prefix or endpoint).
    #[error("storage: {0}")]
    Config(String),
    /// The object store client could not be built.
    #[error("storage: cannot set up the S3 client: {0}")]
    Client(#[source] object_store::Error),
    /// The service answered with an error or could not be reached.
    #[error("storage: the S3 request for {what} failed: {source}")]
    Request {
        /// What was asked for (a key, or the bucket).
        what: String,
        /// Why it failed.
        #[source]
        source: object_store::Error,
    },
    /// An object's bytes do not hash to its address.
    #[error("storage: the object {key} is corrupt (its bytes do not hash to its name)")]
    Corrupt {
        /// The object's key.
        key: String,
    },
}

impl From<S3BlobError> for StoreError {
    fn from(e: S3BlobError) -> Self {
        match e {
            S3BlobError::Request { source: object_store::Error::NotFound { .. }, .. } => StoreError::NotFound,
            // The bucket did not answer as it should (unreachable, refused,
            // timed out, a server error): worth a retry, a 503.
            e @ S3BlobError::Request { .. } => StoreError::Unavailable(e.to_string()),
            other => StoreError::Io(std::io::Error::other(other)),
        }
    }
}

/// Where the bucket is and how to sign in to it.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The bucket's name (it must exist; Tessera does not create it).
    pub bucket: String,
    /// The service's URL, for anything but AWS itself
    /// (`http://127.0.0.1:9000` for a local MinIO). None: AWS.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when the service does not care).
    pub region: String,
    /// The access key id. None (with no secret either): the EC2 instance
    /// role's credentials, from the instance metadata service; `AWS_*`
    /// variables and profiles are not read.
    pub access_key_id: Option<String>,
    /// The secret access key (never logged).
    pub secret_access_key: Option<String>,
    /// A folder inside the bucket for the blobs (`""`: the bucket's root).
    pub prefix: String,
    /// Whether a plain `http://` endpoint is allowed.
    pub allow_http: bool,
}

impl Default for S3Settings {
    fn default() -> Self {
        Self {
            bucket: String::new(),
            endpoint: None,
            region: "us-east-1".into(),
            access_key_id: None,
            secret_access_key: None,
            prefix: String::new(),
            allow_http: false,
        }
    }
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &self.secret_access_key.as_ref().map(|_| "<redacted>"))
            .field("prefix", &self.prefix)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl S3Settings {
    /// Checks what can be checked without asking the service.
    pub fn check(&self) -> Result<(), S3BlobError> {
        let b = &self.bucket;
        if b.is_empty() {
            return Err(S3BlobError::Config("kind = \"s3\" needs a bucket (TESSERA_S3_BUCKET)".into()));
        }
        if b.len() < 3
            || b.len() > 63
            || !b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        {
            return Err(S3BlobError::Config(format!(
                "bucket {b:?} is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)"
            )));
        }
        if self.region.trim().is_empty() {
            return Err(S3BlobError::Config("region must not be empty".into()));
        }
        if let Some(e) = &self.endpoint {
            let http = e.starts_with("http://");
            if !http && !e.starts_with("https://") {
                return Err(S3BlobError::Config(format!("endpoint {e:?} must start with http:// or https://")));
            }
            if http && !self.allow_http {
                return Err(S3BlobError::Config(format!(
                    "endpoint {e:?} is plain http; set allow_http = true (TESSERA_S3_ALLOW_HTTP=true) to allow it"
                )));
            }
        }
        if self.access_key_id.is_some() != self.secret_access_key.is_some() {
            return Err(S3BlobError::Config("access_key_id and secret_access_key go together".into()));
        }
        prefix_path(&self.prefix)?;
        Ok(())
    }
}

/// Makes ring the process's TLS crypto provider unless one is set already.
/// reqwest is built without a default provider (`rustls-no-provider`), as in
/// the rest of Tessera, so that aws-lc-rs is not compiled too.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The prefix as an object path (`""` and `"/"` are the root).
fn prefix_path(prefix: &str) -> Result<Path, S3BlobError> {
    let p = prefix.trim_matches('/');
    Path::parse(p).map_err(|e| S3BlobError::Config(format!("prefix {prefix:?} is not a valid key prefix: {e}")))
}

/// Blobs in an S3 bucket: `<prefix>/<ab>/<cd>/<sha256>`.
#[derive(Clone)]
pub struct S3BlobStore {
    s3: AmazonS3,
    prefix: Path,
    bucket: String,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client holds the credentials: show only where the blobs go.
        f.debug_struct("S3BlobStore").field("bucket", &self.bucket).field("prefix", &self.prefix.as_ref()).finish()
    }
}

impl S3BlobStore {
    /// A store on the bucket `settings` name. Nothing is asked of the service
    /// yet (see [`S3BlobStore::check_bucket`]).
    pub fn new(settings: &S3Settings) -> Result<Self, S3BlobError> {
        settings.check()?;
        install_tls_provider();
        let options = ClientOptions::new()
            .with_allow_http(settings.allow_http)
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(60));
        let retry = RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(20), ..RetryConfig::default() };
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_client_options(options)
            .with_retry(retry);
        if let Some(e) = &settings.endpoint {
            // Path-style requests (`endpoint/bucket/key`): what MinIO, moto
            // and most S3-compatible services expect.
            b = b.with_endpoint(e).with_virtual_hosted_style_request(false);
        }
        if let (Some(id), Some(secret)) = (&settings.access_key_id, &settings.secret_access_key) {
            b = b.with_access_key_id(id).with_secret_access_key(secret);
        }
        let s3 = b.build().map_err(S3BlobError::Client)?;
        Ok(Self { s3, prefix: prefix_path(&settings.prefix)?, bucket: settings.bucket.clone() })
    }

    /// The key of the blob `sha256` (which must be 64 lower-case hex digits).
    pub fn key_of(&self, sha256: &str) -> StoreResult<Path> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(StoreError::InvalidReference(format!("not a blob address: {sha256:?}")));
        }
        Ok(self.prefix.clone().join(&sha256[0..2]).join(&sha256[2..4]).join(sha256))
    }

    /// Asks the bucket for one listing of the prefix: cheap, and fails when
    /// the bucket is missing, unreachable or refuses the credentials.
    pub async fn check_bucket(&self) -> Result<(), S3BlobError> {
        self.s3
            .list_with_delimiter(Some(&self.prefix))
            .await
            .map(|_| ())
            .map_err(|source| S3BlobError::Request { what: format!("the bucket {:?}", self.bucket), source })
    }

    async fn exists_whole(&self, key: &Path, len: usize) -> Result<bool, S3BlobError> {
        match self.s3.head(key).await {
            Ok(meta) => Ok(meta.size == len as u64),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(source) => Err(S3BlobError::Request { what: key.to_string(), source }),
        }
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn put(&self, bytes: Vec<u8>) -> StoreResult<String> {
        let sha = sha256_hex(&bytes);
        let key = self.key_of(&sha)?;
        // Content-addressed: an object of the right size at this key holds
        // these bytes already (sizes differing would be a damaged copy, which
        // the upload below replaces).
        if self.exists_whole(&key, bytes.len()).await? {
            return Ok(sha);
        }
        self.s3
            .put(&key, PutPayload::from(bytes))
            .await
            .map_err(|source| S3BlobError::Request { what: key.to_string(), source })?;
        Ok(sha)
    }

    async fn get(&self, sha256: &str) -> StoreResult<Vec<u8>> {
        let key = self.key_of(sha256)?;
        let read = async {
            let got = self.s3.get(&key).await?;
            got.bytes().await
        };
        let bytes = read.await.map_err(|source| S3BlobError::Request { what: key.to_string(), source })?;
        if sha256_hex(&bytes) != sha256 {
            return Err(S3BlobError::Corrupt { key: key.to_string() }.into());
        }
        Ok(bytes.to_vec())
    }

    async fn check(&self) -> StoreResult<()> {
        Ok(self.check_bucket().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> S3Settings {
        S3Settings {
            bucket: "tessera-blobs".into(),
            endpoint: Some("http://127.0.0.1:9".into()),
            allow_http: true,
            access_key_id: Some("AKIDEXAMPLE".into()),
            secret_access_key: Some("wJalrXUtnFEMI".into()),
            ..S3Settings::default()
        }
    }

    #[test]
    fn keys_follow_the_folder_layout() {
        let sha = sha256_hex(b"hello");
        for (prefix, want) in [
            ("", format!("2c/f2/{sha}")),
            ("/", format!("2c/f2/{sha}")),
            ("tessera/blobs/", format!("tessera/blobs/2c/f2/{sha}")),
        ] {
            let s = S3BlobStore::new(&S3Settings { prefix: prefix.into(), ..settings() }).unwrap();
            assert_eq!(s.key_of(&sha).unwrap().as_ref(), want, "prefix {prefix:?}");
        }
        let s = S3BlobStore::new(&settings()).unwrap();
        for bad in ["../../etc/passwd", "ABCD", &sha.to_uppercase(), &sha[1..]] {
            assert!(matches!(s.key_of(bad), Err(StoreError::InvalidReference(_))), "{bad}");
        }
    }

    #[test]
    fn bad_settings_are_refused_clearly() {
        let cases: [(S3Settings, &str); 5] = [
            (S3Settings { bucket: String::new(), ..settings() }, "needs a bucket"),
            (S3Settings { bucket: "Bad_Bucket".into(), ..settings() }, "not a valid bucket name"),
            (S3Settings { allow_http: false, ..settings() }, "allow_http"),
            (S3Settings { endpoint: Some("ftp://x".into()), ..settings() }, "http:// or https://"),
            (S3Settings { secret_access_key: None, ..settings() }, "go together"),
        ];
        for (s, want) in cases {
            let e = S3BlobStore::new(&s).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn the_secret_stays_out_of_debug() {
        let s = format!("{:?}", settings());
        assert!(!s.contains("wJalr") && s.contains("<redacted>"), "{s}");
        let store = format!("{:?}", S3BlobStore::new(&settings()).unwrap());
        assert!(!store.contains("wJalr"), "{store}");
    }
}
