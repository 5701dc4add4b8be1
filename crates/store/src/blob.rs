//! Attachment contents, addressed by their SHA-256 so the same file is kept
//! once however often it is uploaded.

use crate::error::{StoreError, StoreResult};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where attachment bytes live: a folder by default, or an S3-compatible
/// bucket (`tessera-blob-s3`).
#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` and answers their hex SHA-256 (their address). Storing
    /// the same bytes twice keeps one copy.
    async fn put(&self, bytes: Vec<u8>) -> StoreResult<String>;
    /// The bytes stored at `sha256`.
    async fn get(&self, sha256: &str) -> StoreResult<Vec<u8>>;
    /// Whether the store can serve now (for `/readyz`; cheap). A folder is
    /// always ready: it is created on first write.
    async fn check(&self) -> StoreResult<()> {
        Ok(())
    }
}

/// Blobs in a folder: `<root>/ab/cd/<sha256>`, written to a temporary file,
/// synced and renamed into place, so a blob is either whole or absent.
#[derive(Debug, Clone)]
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A blob store rooted at `root` (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path_of(&self, sha256: &str) -> StoreResult<PathBuf> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Err(StoreError::InvalidReference(format!("not a blob address: {sha256:?}")));
        }
        Ok(self.root.join(&sha256[0..2]).join(&sha256[2..4]).join(sha256))
    }
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn write_atomically(dir: &Path, final_path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, final_path)?;
    std::fs::File::open(dir)?.sync_all()
}

#[async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, bytes: Vec<u8>) -> StoreResult<String> {
        let root = self.root.clone();
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let sha = sha256_hex(&bytes);
            let path = this.path_of(&sha)?;
            if path.exists() {
                return Ok(sha);
            }
            let dir = path.parent().map_or(root, Path::to_path_buf);
            write_atomically(&dir, &path, &bytes)?;
            Ok(sha)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("blob writer task failed: {e}")))?
    }

    async fn get(&self, sha256: &str) -> StoreResult<Vec<u8>> {
        let path = self.path_of(sha256)?;
        match tokio::fs::read(&path).await {
            Ok(b) => Ok(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(StoreError::NotFound),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn same_bytes_one_blob() {
        let dir = std::env::temp_dir().join(format!("tessera-blob-test-{}", std::process::id()));
        let store = FsBlobStore::new(&dir);
        let a = store.put(b"hello".to_vec()).await.unwrap();
        let b = store.put(b"hello".to_vec()).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(b"hello"));
        assert_eq!(store.get(&a).await.unwrap(), b"hello");
        assert!(matches!(store.get(&sha256_hex(b"other")).await, Err(StoreError::NotFound)));
        assert!(store.get("../../etc/passwd").await.is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
