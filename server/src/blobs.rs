//! Photos, receipt PDFs and article images as blobs named by their SHA-256, so each is stored
//! once however often it is sent. They live in a [`Bucket`]: a folder on this machine (one
//! server, the default) or an S3-compatible bucket that every server reaches (several servers
//! on PostgreSQL), both through the `object_store` crate, so the rules below are one code path.
//!
//! Uploads are resumable: the client sends chunks at the offset the server names; each chunk is
//! kept as its own object (`partial/<user>/<sha256>/<offset>`, since an S3 object cannot grow),
//! so an upload resumes through any server. When the last chunk arrives the chunks are joined,
//! the whole is checked against its name and becomes the blob (`<2 hex>/<sha256>`). Unfinished
//! uploads are kept per uploader within a quota each, and swept away when they have not grown
//! for a day.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use fixline_core::receipt::{is_sha256_hex, sha256_hex};
use futures::TryStreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectMeta, ObjectStore, PutPayload};

use crate::error::{Error, Result};
pub use fixline_api::files::BlobStatus;

/// Where blobs are kept.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct S3Bucket {
    /// The service's address, e.g. `https://oss-cn-hangzhou.aliyuncs.com` or a MinIO server;
    /// none for Amazon S3 itself.
    #[serde(default)]
    pub endpoint: Option<String>,
    pub bucket: String,
    #[serde(default = "default_region")]
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Address objects as `<endpoint>/<bucket>/<key>` (MinIO, moto) rather than
    /// `<bucket>.<endpoint>/<key>`.
    #[serde(default = "path_style")]
    pub path_style: bool,
}

fn default_region() -> String {
    "us-east-1".to_owned()
}

fn path_style() -> bool {
    true
}

/// The objects blobs are kept in, and a small runtime of their own: blob work is called from
/// blocking code (the store's threads), and `object_store` is async.
#[derive(Debug)]
struct Bucket {
    objects: Arc<dyn ObjectStore>,
    /// Always `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Bucket {
    fn drop(&mut self) {
        // Dropping a runtime waits for its threads, which may not be done from async code
        // (the server's state is dropped there); let them end on their own.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Bucket {
    /// Runs `work` on the bucket's runtime and waits for it, from any thread (blocking or not).
    fn wait<T: Send + 'static>(
        &self,
        work: impl Future<Output = object_store::Result<T>> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let Some(runtime) = &self.runtime else {
            return Err(Error::Internal("blob storage: shut down".into()));
        };
        runtime.spawn(async move {
            let _ = tx.send(work.await);
        });
        rx.recv()
            .map_err(|_| Error::Internal("blob storage: the request was dropped".into()))?
            .map_err(storage)
    }

    fn get(&self, key: Key) -> Result<Option<Vec<u8>>> {
        let objects = self.objects.clone();
        self.wait(async move {
            match objects.get(&key).await {
                Ok(found) => Ok(Some(found.bytes().await?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn size(&self, key: Key) -> Result<Option<u64>> {
        let objects = self.objects.clone();
        self.wait(async move {
            match objects.head(&key).await {
                Ok(meta) => Ok(Some(meta.size)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn put(&self, key: Key, bytes: Vec<u8>) -> Result<()> {
        let objects = self.objects.clone();
        self.wait(async move { objects.put(&key, PutPayload::from(bytes)).await.map(drop) })
    }

    fn list(&self, prefix: Key) -> Result<Vec<ObjectMeta>> {
        let objects = self.objects.clone();
        self.wait(async move { objects.list(Some(&prefix)).try_collect().await })
    }

    fn delete(&self, keys: Vec<Key>) -> Result<()> {
        let objects = self.objects.clone();
        self.wait(async move {
            for key in keys {
                match objects.delete(&key).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(e),
                }
            }
            Ok(())
        })
    }
}

fn storage(e: object_store::Error) -> Error {
    Error::Internal(format!("blob storage: {e}"))
}

#[derive(Debug)]
pub struct BlobStore {
    bucket: Bucket,
    max_bytes: u64,
    /// The most bytes of unfinished uploads one uploader may have at a time.
    partial_quota: u64,
}

impl BlobStore {
    /// The blobs as configured: the bucket if one is set, else the folder.
    pub fn configured(config: &crate::Config) -> Result<Self> {
        let storage = &config.storage;
        Ok(match &storage.s3 {
            Some(bucket) => Self::s3(bucket, storage.max_blob_bytes)?,
            None => Self::new(&config.blob_dir(), storage.max_blob_bytes)?,
        }
        .with_partial_quota(storage.partial_quota_bytes))
    }

    /// Blobs in the folder `dir`, created if missing.
    pub fn new(dir: &Path, max_bytes: u64) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Internal(format!("blob storage: {}: {e}", dir.display())))?;
        let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(storage)?
            .with_automatic_cleanup(true);
        Self::over(Arc::new(local), max_bytes)
    }

    /// Blobs in an S3-compatible bucket.
    pub fn s3(bucket: &S3Bucket, max_bytes: u64) -> Result<Self> {
        let mut builder = object_store::aws::AmazonS3Builder::new()
            .with_bucket_name(&bucket.bucket)
            .with_region(&bucket.region)
            .with_access_key_id(&bucket.access_key_id)
            .with_secret_access_key(&bucket.secret_access_key)
            .with_virtual_hosted_style_request(!bucket.path_style);
        if let Some(endpoint) = &bucket.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        Self::over(Arc::new(builder.build().map_err(storage)?), max_bytes)
    }

    fn over(objects: Arc<dyn ObjectStore>, max_bytes: u64) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("fixline-blobs")
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("blob storage: {e}")))?;
        Ok(BlobStore {
            bucket: Bucket {
                objects,
                runtime: Some(runtime),
            },
            max_bytes,
            partial_quota: max_bytes.saturating_mul(8),
        })
    }

    /// The same store with another quota for unfinished uploads per uploader.
    pub fn with_partial_quota(mut self, bytes: u64) -> Self {
        self.partial_quota = bytes;
        self
    }

    fn name(sha256: &str) -> Result<&str> {
        if is_sha256_hex(sha256) {
            Ok(sha256)
        } else {
            Err(Error::bad_request(
                "invalid_input",
                "a blob is named by 64 lowercase hex digits (its SHA-256)",
            ))
        }
    }

    fn key(sha256: &str) -> Key {
        Key::from(format!("{}/{sha256}", &sha256[..2]))
    }

    fn uploads(uploader: &str) -> Key {
        Key::from(format!("partial/{uploader}"))
    }

    fn partial(uploader: &str, sha256: &str) -> Key {
        Key::from(format!("partial/{uploader}/{sha256}"))
    }

    /// A chunk's key: its offset, zero-padded so keys sort in byte order.
    fn chunk(uploader: &str, sha256: &str, offset: u64) -> Key {
        Key::from(format!("partial/{uploader}/{sha256}/{offset:020}"))
    }

    /// The chunks of an upload in order, as far as they join up without a gap, and how many
    /// bytes that is.
    fn chunks(&self, uploader: &str, sha256: &str) -> Result<(Vec<Key>, u64)> {
        let mut found: Vec<(u64, ObjectMeta)> = self
            .bucket
            .list(Self::partial(uploader, sha256))?
            .into_iter()
            .filter_map(|m| {
                let offset = m.location.filename()?.parse().ok()?;
                Some((offset, m))
            })
            .collect();
        found.sort_by_key(|(offset, _)| *offset);
        let mut received = 0;
        let mut keys = Vec::new();
        for (offset, meta) in found {
            if offset != received {
                break;
            }
            received += meta.size;
            keys.push(meta.location);
        }
        Ok((keys, received))
    }

    /// How much of a blob the server holds, counting what `uploader` has sent of it so far.
    pub fn status(&self, uploader: &str, sha256: &str) -> Result<BlobStatus> {
        let sha256 = Self::name(sha256)?;
        let uploader = Self::uploader(uploader)?;
        if let Some(size) = self.bucket.size(Self::key(sha256))? {
            return Ok(BlobStatus {
                received: size,
                complete: true,
            });
        }
        let (_, received) = self.chunks(uploader, sha256)?;
        Ok(BlobStatus {
            received,
            complete: false,
        })
    }

    pub fn contains(&self, sha256: &str) -> Result<bool> {
        let sha256 = Self::name(sha256)?;
        Ok(self.bucket.size(Self::key(sha256))?.is_some())
    }

    fn uploader(id: &str) -> Result<&str> {
        if !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            Ok(id)
        } else {
            Err(Error::Internal(format!("bad uploader id {id:?}")))
        }
    }

    /// Bytes of unfinished uploads `uploader` has.
    fn pending_bytes(&self, uploader: &str) -> Result<u64> {
        Ok(self
            .bucket
            .list(Self::uploads(uploader))?
            .iter()
            .map(|m| m.size)
            .sum())
    }

    /// Removes unfinished uploads that have not grown since `age` before `now`; returns how
    /// many.
    pub fn sweep_partials(&self, age: std::time::Duration, now: DateTime<Utc>) -> Result<usize> {
        let Some(cutoff) = chrono::TimeDelta::from_std(age)
            .ok()
            .and_then(|age| now.checked_sub_signed(age))
        else {
            return Ok(0);
        };
        // An upload is its folder of chunks: stale when its newest chunk is.
        let mut uploads: std::collections::BTreeMap<String, (DateTime<Utc>, Vec<Key>)> =
            std::collections::BTreeMap::new();
        for meta in self.bucket.list(Key::from("partial"))? {
            let parts: Vec<_> = meta.location.parts().collect();
            let upload = parts
                .iter()
                .take(3)
                .map(|p| p.as_ref())
                .collect::<Vec<_>>()
                .join("/");
            let entry = uploads
                .entry(upload)
                .or_insert((meta.last_modified, vec![]));
            entry.0 = entry.0.max(meta.last_modified);
            entry.1.push(meta.location);
        }
        let stale: Vec<Vec<Key>> = uploads
            .into_values()
            .filter(|(newest, _)| *newest < cutoff)
            .map(|(_, keys)| keys)
            .collect();
        let removed = stale.len();
        self.bucket.delete(stale.into_iter().flatten().collect())?;
        Ok(removed)
    }

    /// Appends `chunk` at `offset` of `uploader`'s upload of a blob of `total` bytes. A chunk at
    /// the wrong offset is refused with the current status so the client can resume from the
    /// right place; one past the uploader's quota of unfinished uploads is refused too.
    pub fn append(
        &self,
        uploader: &str,
        sha256: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus> {
        let sha256 = Self::name(sha256)?;
        let uploader = Self::uploader(uploader)?;
        if total > self.max_bytes {
            return Err(Error::PayloadTooLarge);
        }
        let status = self.status(uploader, sha256)?;
        if status.complete {
            return Ok(status);
        }
        if offset != status.received {
            return Err(Error::bad_request_with_status(
                StatusCode::CONFLICT,
                "wrong_offset",
                format!(
                    "the server has {} bytes of this blob; send from there",
                    status.received
                ),
            ));
        }
        let end = offset + chunk.len() as u64;
        if end > total {
            return Err(Error::bad_request_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_long",
                format!("{end} bytes sent for a blob of {total}"),
            ));
        }
        if self.pending_bytes(uploader)? + chunk.len() as u64 > self.partial_quota {
            return Err(Error::bad_request_with_status(
                StatusCode::INSUFFICIENT_STORAGE,
                "upload_quota",
                "too many unfinished uploads from you; let them finish (or wait a day) first",
            ));
        }
        if !chunk.is_empty() {
            self.bucket
                .put(Self::chunk(uploader, sha256, offset), chunk.to_vec())?;
        }
        if end < total {
            return Ok(BlobStatus {
                received: end,
                complete: false,
            });
        }
        let (keys, received) = self.chunks(uploader, sha256)?;
        let mut bytes = Vec::with_capacity(received as usize);
        for key in &keys {
            let part = self
                .bucket
                .get(key.clone())?
                .ok_or_else(|| Error::Internal(format!("blob storage: {key} vanished")))?;
            bytes.extend_from_slice(&part);
        }
        self.bucket.delete(keys)?;
        if sha256_hex(&bytes) != sha256 {
            return Err(Error::bad_request_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "hash_mismatch",
                "the uploaded bytes do not match the blob's SHA-256; upload it again",
            ));
        }
        self.bucket.put(Self::key(sha256), bytes)?;
        Ok(BlobStatus {
            received: total,
            complete: true,
        })
    }

    /// Stores bytes made on the server (a photo sent by the browser, a receipt) and names them.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha256 = sha256_hex(bytes);
        if !self.contains(&sha256)? {
            self.bucket.put(Self::key(&sha256), bytes.to_vec())?;
        }
        Ok(sha256)
    }

    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let sha256 = Self::name(sha256)?;
        self.bucket
            .get(Self::key(sha256))?
            .ok_or_else(|| Error::not_found("blob", sha256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "0190a0b0-0000-7000-8000-00000000000a";

    fn store(dir: &Path) -> BlobStore {
        BlobStore::new(dir, 1 << 20).unwrap()
    }

    #[test]
    fn an_upload_resumes_at_the_servers_offset_and_is_checked_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let sha = sha256_hex(&bytes);
        let total = bytes.len() as u64;
        assert_eq!(
            store
                .append(ME, &sha, 0, total, &bytes[..4000])
                .unwrap()
                .received,
            4000
        );
        // A retry of the first chunk after a cut is told where to resume.
        let err = store
            .append(ME, &sha, 0, total, &bytes[..4000])
            .unwrap_err();
        assert!(err.to_string().contains("4000 bytes"), "{err}");
        // Another server on the same folder (or bucket) knows how far the upload got.
        assert_eq!(
            super::tests::store(dir.path())
                .status(ME, &sha)
                .unwrap()
                .received,
            4000
        );
        let done = store.append(ME, &sha, 4000, total, &bytes[4000..]).unwrap();
        assert!(done.complete);
        assert_eq!(store.read(&sha).unwrap(), bytes);
        // The blob sits where earlier versions kept it, and no chunk is left behind.
        assert!(dir.path().join(&sha[..2]).join(&sha).is_file());
        assert_eq!(store.pending_bytes(ME).unwrap(), 0);
        // Sending it again stores nothing new.
        assert_eq!(store.append(ME, &sha, 0, total, &bytes).unwrap(), done);
        assert_eq!(store.put(&bytes).unwrap(), sha);
    }

    #[test]
    fn corrupt_or_misnamed_uploads_are_refused_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path());
        let sha = sha256_hex(b"the real bytes");
        let err = store
            .append(ME, &sha, 0, 14, b"the fake bytes")
            .unwrap_err();
        assert!(err.to_string().contains("do not match"), "{err}");
        assert_eq!(
            store.status(ME, &sha).unwrap().received,
            0,
            "the bad partial is gone"
        );
        assert!(store.append(ME, "../../etc/passwd", 0, 1, b"x").is_err());
        assert!(store.read("../../etc/passwd").is_err());
        assert!(matches!(
            store.append(ME, &sha, 0, 2 << 20, b"x").unwrap_err(),
            Error::PayloadTooLarge
        ));
        assert!(matches!(
            store.read(&sha).unwrap_err(),
            Error::NotFound { .. }
        ));
    }

    #[test]
    fn unfinished_uploads_stay_within_a_quota_per_uploader_and_are_swept_when_stale() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(dir.path()).with_partial_quota(10_000);
        let other = "0190a0b0-0000-7000-8000-00000000000b";
        let bytes = vec![7u8; 20_000];
        let shas: Vec<String> = (0..3u8).map(|i| sha256_hex(&[i; 32])).collect();
        store
            .append(ME, &shas[0], 0, 20_000, &bytes[..6000])
            .unwrap();
        let e = store
            .append(ME, &shas[1], 0, 20_000, &bytes[..6000])
            .unwrap_err();
        assert_eq!(e.code(), "upload_quota");
        // Another uploader has a quota of their own, and their partials are their own.
        store
            .append(other, &shas[1], 0, 20_000, &bytes[..6000])
            .unwrap();
        assert_eq!(store.status(ME, &shas[1]).unwrap().received, 0);
        assert_eq!(store.status(other, &shas[1]).unwrap().received, 6000);
        let day = std::time::Duration::from_secs(86_400);
        let now = Utc::now();
        // Nothing is stale yet; a day later everything unfinished is.
        assert_eq!(store.sweep_partials(day, now).unwrap(), 0);
        let later = now + chrono::TimeDelta::days(2);
        assert_eq!(store.sweep_partials(day, later).unwrap(), 2);
        assert_eq!(store.status(ME, &shas[0]).unwrap().received, 0);
        store
            .append(ME, &shas[1], 0, 20_000, &bytes[..6000])
            .unwrap();
    }
}
