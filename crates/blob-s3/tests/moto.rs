//! The S3 blob store against a real S3-compatible server (moto, from the
//! test venv; see `tessera_blob_s3::testing`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;
use tessera_blob_s3::S3BlobStore;
use tessera_blob_s3::testing::Moto;
use tessera_store::{BlobStore, StoreError, sha256_hex};

/// Every test is bounded: moto's start, then the requests.
async fn bounded<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(120), f).await.expect("the test took more than two minutes");
}

#[tokio::test]
async fn put_get_idempotency_and_missing_blobs() {
    bounded(async {
        let moto = Moto::start().await;
        moto.create_bucket("tessera-blobs").await;
        let mut settings = moto.settings("tessera-blobs");
        settings.prefix = "site-a/blobs/".into();
        let store = S3BlobStore::new(&settings).unwrap();
        store.check().await.unwrap();

        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let sha = store.put(bytes.clone()).await.unwrap();
        assert_eq!(sha, sha256_hex(&bytes));
        let key = format!("site-a/blobs/{}/{}/{sha}", &sha[0..2], &sha[2..4]);
        assert_eq!(moto.keys("tessera-blobs").await, [key.as_str()]);
        assert_eq!(moto.object("tessera-blobs", &key).await.unwrap(), bytes, "stored byte for byte");
        assert_eq!(store.get(&sha).await.unwrap(), bytes);

        // The same bytes again: the same address, still one object.
        assert_eq!(store.put(bytes.clone()).await.unwrap(), sha);
        assert_eq!(moto.keys("tessera-blobs").await.len(), 1);
        // Empty and other bytes are blobs of their own.
        let empty = store.put(Vec::new()).await.unwrap();
        assert_eq!(empty, sha256_hex(b""));
        assert_eq!(store.get(&empty).await.unwrap(), b"");
        assert_eq!(moto.keys("tessera-blobs").await.len(), 2);

        // Missing and malformed addresses are the store's own errors.
        let missing = store.get(&sha256_hex(b"never stored")).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        for bad in ["../../etc/passwd", "", &sha.to_uppercase()] {
            assert!(matches!(store.get(bad).await, Err(StoreError::InvalidReference(_))), "{bad:?}");
        }

        // A damaged object is noticed on read, and a put of the right bytes
        // mends it (its size differs).
        moto.overwrite("tessera-blobs", &key, b"truncated".to_vec()).await;
        let e = store.get(&sha).await.unwrap_err().to_string();
        assert!(e.contains("corrupt"), "{e}");
        assert_eq!(store.put(bytes.clone()).await.unwrap(), sha);
        assert_eq!(store.get(&sha).await.unwrap(), bytes);

        // Another prefix on the same bucket sees none of it.
        let other = S3BlobStore::new(&moto.settings("tessera-blobs")).unwrap();
        assert!(matches!(other.get(&sha).await, Err(StoreError::NotFound)));
    })
    .await;
}

#[tokio::test]
async fn concurrent_puts_of_the_same_bytes_make_one_whole_object() {
    bounded(async {
        let moto = Moto::start().await;
        moto.create_bucket("race").await;
        let store = S3BlobStore::new(&moto.settings("race")).unwrap();
        let bytes = vec![42u8; 100_000];
        let puts = (0..8).map(|_| {
            let (s, b) = (store.clone(), bytes.clone());
            tokio::spawn(async move { s.put(b).await.unwrap() })
        });
        let shas: Vec<String> = futures_join(puts).await;
        assert!(shas.iter().all(|s| *s == shas[0]));
        assert_eq!(moto.keys("race").await.len(), 1);
        assert_eq!(store.get(&shas[0]).await.unwrap(), bytes);
    })
    .await;
}

#[tokio::test]
async fn a_missing_bucket_or_a_dead_server_is_an_error_not_a_panic() {
    bounded(async {
        let moto = Moto::start().await;
        let store = S3BlobStore::new(&moto.settings("no-such-bucket")).unwrap();
        let e = store.check_bucket().await.unwrap_err().to_string();
        assert!(e.contains("no-such-bucket"), "{e}");
        assert!(store.put(b"x".to_vec()).await.is_err());
        // With credentials, so nothing but the loopback server is asked.
        let gone = moto.settings("gone");
        drop(moto);
        let store = S3BlobStore::new(&gone).unwrap();
        let e = store.get(&sha256_hex(b"x")).await.unwrap_err();
        assert!(matches!(e, StoreError::Unavailable(_)), "a dead server is worth a retry (503): {e:?}");
    })
    .await;
}

async fn futures_join<T: Send + 'static>(hs: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for h in hs.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn a_data_folder_copied_file_by_file_reads_back_through_the_bucket() {
    // What `aws s3 sync DATA_DIR/blobs s3://bucket/prefix` does: each file's
    // path under the folder becomes its key under the prefix.
    bounded(async {
        let dir = std::env::temp_dir().join(format!("tessera-blob-s3-sync-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let fs = tessera_store::FsBlobStore::new(&dir);
        let blobs: Vec<Vec<u8>> = vec![b"hello".to_vec(), Vec::new(), vec![7u8; 70_000]];
        let mut shas = Vec::new();
        for b in &blobs {
            shas.push(fs.put(b.clone()).await.unwrap());
        }
        let moto = Moto::start().await;
        moto.create_bucket("synced").await;
        let mut copied = 0;
        let mut stack = vec![dir.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path.strip_prefix(&dir).unwrap().to_str().unwrap().to_string();
                moto.overwrite("synced", &format!("old-site/{rel}"), std::fs::read(&path).unwrap()).await;
                copied += 1;
            }
        }
        assert_eq!(copied, blobs.len());
        let mut settings = moto.settings("synced");
        settings.prefix = "old-site".into();
        let s3 = S3BlobStore::new(&settings).unwrap();
        for (sha, bytes) in shas.iter().zip(&blobs) {
            assert_eq!(&s3.get(sha).await.unwrap(), bytes);
        }
        let _ = std::fs::remove_dir_all(&dir);
    })
    .await;
}
