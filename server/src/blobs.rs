//! Photos and receipt PDFs as files named by their SHA-256, so each is stored once however often
//! it is sent. Uploads are resumable: a partial file grows chunk by chunk at the offset the
//! client names, and becomes the blob only when its hash matches its name. Partial files are
//! kept per uploader (`partial/<user>/<sha256>`), within a quota each, and swept away when
//! they have not grown for a day.

use std::io::Write;
use std::path::{Path, PathBuf};

use fixline_core::receipt::{is_sha256_hex, sha256_hex};

use crate::error::{Error, Result};
use axum::http::StatusCode;
pub use fixline_api::files::BlobStatus;

#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    max_bytes: u64,
    /// The most bytes of unfinished uploads one uploader may have at a time.
    partial_quota: u64,
}

impl BlobStore {
    /// Blobs under `dir`, created on the first write.
    pub fn new(dir: &Path, max_bytes: u64) -> Self {
        BlobStore {
            dir: dir.to_path_buf(),
            max_bytes,
            partial_quota: max_bytes.saturating_mul(8),
        }
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

    fn path(&self, sha256: &str) -> PathBuf {
        self.dir.join(&sha256[..2]).join(sha256)
    }

    fn uploads(&self, uploader: &str) -> PathBuf {
        self.dir.join("partial").join(uploader)
    }

    fn partial(&self, uploader: &str, sha256: &str) -> PathBuf {
        self.uploads(uploader).join(sha256)
    }

    /// How much of a blob the server holds, counting what `uploader` has sent of it so far.
    pub fn status(&self, uploader: &str, sha256: &str) -> Result<BlobStatus> {
        let sha256 = Self::name(sha256)?;
        let uploader = Self::uploader(uploader)?;
        if let Ok(meta) = std::fs::metadata(self.path(sha256)) {
            return Ok(BlobStatus {
                received: meta.len(),
                complete: true,
            });
        }
        let received = std::fs::metadata(self.partial(uploader, sha256)).map_or(0, |m| m.len());
        Ok(BlobStatus {
            received,
            complete: false,
        })
    }

    pub fn contains(&self, sha256: &str) -> bool {
        Self::name(sha256).is_ok_and(|s| self.path(s).is_file())
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
    fn pending_bytes(&self, uploader: &str) -> u64 {
        std::fs::read_dir(self.uploads(uploader))
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }

    /// Removes unfinished uploads that have not grown for `age`; returns how many.
    pub fn sweep_partials(&self, age: std::time::Duration) -> usize {
        let Some(cutoff) = std::time::SystemTime::now().checked_sub(age) else {
            return 0;
        };
        let mut removed = 0;
        let mut dirs = vec![self.dir.join("partial")];
        while let Some(dir) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(meta) = entry.metadata() else { continue };
                if meta.is_dir() {
                    dirs.push(entry.path());
                } else if meta.modified().is_ok_and(|m| m < cutoff)
                    && std::fs::remove_file(entry.path()).is_ok()
                {
                    removed += 1;
                }
            }
        }
        removed
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
        if self.pending_bytes(uploader) + chunk.len() as u64 > self.partial_quota {
            return Err(Error::bad_request_with_status(
                StatusCode::INSUFFICIENT_STORAGE,
                "upload_quota",
                "too many unfinished uploads from you; let them finish (or wait a day) first",
            ));
        }
        let partial = self.partial(uploader, sha256);
        std::fs::create_dir_all(self.uploads(uploader)).map_err(io)?;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&partial)
            .map_err(io)?;
        file.write_all(chunk).map_err(io)?;
        file.sync_data().map_err(io)?;
        if end < total {
            return Ok(BlobStatus {
                received: end,
                complete: false,
            });
        }
        let bytes = std::fs::read(&partial).map_err(io)?;
        if sha256_hex(&bytes) != sha256 {
            let _ = std::fs::remove_file(&partial);
            return Err(Error::bad_request_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "hash_mismatch",
                "the uploaded bytes do not match the blob's SHA-256; upload it again",
            ));
        }
        self.commit(sha256, &partial)?;
        Ok(BlobStatus {
            received: total,
            complete: true,
        })
    }

    /// Stores bytes made on the server (a photo sent by the browser, a receipt) and names them.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha256 = sha256_hex(bytes);
        if !self.contains(&sha256) {
            std::fs::create_dir_all(self.dir.join("partial")).map_err(io)?;
            let tmp = self
                .dir
                .join("partial")
                .join(format!("{sha256}.{}", uuid::Uuid::now_v7()));
            std::fs::write(&tmp, bytes).map_err(io)?;
            self.commit(&sha256, &tmp)?;
        }
        Ok(sha256)
    }

    fn commit(&self, sha256: &str, from: &Path) -> Result<()> {
        let to = self.path(sha256);
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        std::fs::rename(from, to).map_err(io)
    }

    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let sha256 = Self::name(sha256)?;
        std::fs::read(self.path(sha256)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::not_found("blob", sha256),
            _ => io(e),
        })
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("blob storage: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "0190a0b0-0000-7000-8000-00000000000a";

    #[test]
    fn an_upload_resumes_at_the_servers_offset_and_is_checked_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path(), 1 << 20);
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
        let done = store.append(ME, &sha, 4000, total, &bytes[4000..]).unwrap();
        assert!(done.complete);
        assert_eq!(store.read(&sha).unwrap(), bytes);
        // Sending it again stores nothing new.
        assert_eq!(store.append(ME, &sha, 0, total, &bytes).unwrap(), done);
        assert_eq!(store.put(&bytes).unwrap(), sha);
    }

    #[test]
    fn corrupt_or_misnamed_uploads_are_refused_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path(), 1 << 20);
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
        assert!(matches!(
            store.append(ME, &sha, 0, 2 << 20, b"x").unwrap_err(),
            Error::PayloadTooLarge
        ));
    }

    #[test]
    fn unfinished_uploads_stay_within_a_quota_per_uploader_and_are_swept_when_stale() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path(), 1 << 20).with_partial_quota(10_000);
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
        // Nothing is stale yet; a day later everything unfinished is.
        assert_eq!(
            store.sweep_partials(std::time::Duration::from_secs(86_400)),
            0
        );
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
        for sha in &shas[..2] {
            for who in [ME, other] {
                if let Ok(f) = std::fs::File::options()
                    .write(true)
                    .open(store.partial(who, sha))
                {
                    f.set_modified(old).unwrap();
                }
            }
        }
        assert_eq!(
            store.sweep_partials(std::time::Duration::from_secs(86_400)),
            2
        );
        assert_eq!(store.status(ME, &shas[0]).unwrap().received, 0);
        store
            .append(ME, &shas[1], 0, 20_000, &bytes[..6000])
            .unwrap();
    }
}
