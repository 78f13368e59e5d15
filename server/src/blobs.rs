//! Photos and receipt PDFs as files named by their SHA-256, so each is stored once however often
//! it is sent. Uploads are resumable: a partial file grows chunk by chunk at the offset the
//! client names, and becomes the blob only when its hash matches its name.

use std::io::Write;
use std::path::{Path, PathBuf};

use fixline_core::receipt::{is_sha256_hex, sha256_hex};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use axum::http::StatusCode;

/// How much of a blob the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BlobStatus {
    /// Bytes received so far; an upload resumes here.
    pub received: u64,
    /// The whole blob is here and its hash checked.
    pub complete: bool,
}

#[derive(Debug)]
pub struct BlobStore {
    dir: PathBuf,
    max_bytes: u64,
}

impl BlobStore {
    /// Blobs under `dir`, created on the first write.
    pub fn new(dir: &Path, max_bytes: u64) -> Self {
        BlobStore {
            dir: dir.to_path_buf(),
            max_bytes,
        }
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

    fn partial(&self, sha256: &str) -> PathBuf {
        self.dir.join("partial").join(sha256)
    }

    pub fn status(&self, sha256: &str) -> Result<BlobStatus> {
        let sha256 = Self::name(sha256)?;
        if let Ok(meta) = std::fs::metadata(self.path(sha256)) {
            return Ok(BlobStatus {
                received: meta.len(),
                complete: true,
            });
        }
        let received = std::fs::metadata(self.partial(sha256)).map_or(0, |m| m.len());
        Ok(BlobStatus {
            received,
            complete: false,
        })
    }

    pub fn contains(&self, sha256: &str) -> bool {
        self.status(sha256).is_ok_and(|s| s.complete)
    }

    /// Appends `chunk` at `offset` of a blob of `total` bytes. A chunk at the wrong offset is
    /// refused with the current status so the client can resume from the right place.
    pub fn append(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        chunk: &[u8],
    ) -> Result<BlobStatus> {
        let sha256 = Self::name(sha256)?;
        if total > self.max_bytes {
            return Err(Error::PayloadTooLarge);
        }
        let status = self.status(sha256)?;
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
        let partial = self.partial(sha256);
        std::fs::create_dir_all(self.dir.join("partial")).map_err(io)?;
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
            let tmp = self.partial(&format!("{sha256}.{}", uuid::Uuid::now_v7()));
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

    #[test]
    fn an_upload_resumes_at_the_servers_offset_and_is_checked_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path(), 1 << 20);
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let sha = sha256_hex(&bytes);
        let total = bytes.len() as u64;
        assert_eq!(
            store
                .append(&sha, 0, total, &bytes[..4000])
                .unwrap()
                .received,
            4000
        );
        // A retry of the first chunk after a cut is told where to resume.
        let err = store.append(&sha, 0, total, &bytes[..4000]).unwrap_err();
        assert!(err.to_string().contains("4000 bytes"), "{err}");
        let done = store.append(&sha, 4000, total, &bytes[4000..]).unwrap();
        assert!(done.complete);
        assert_eq!(store.read(&sha).unwrap(), bytes);
        // Sending it again stores nothing new.
        assert_eq!(store.append(&sha, 0, total, &bytes).unwrap(), done);
        assert_eq!(store.put(&bytes).unwrap(), sha);
    }

    #[test]
    fn corrupt_or_misnamed_uploads_are_refused_and_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path(), 1 << 20);
        let sha = sha256_hex(b"the real bytes");
        let err = store.append(&sha, 0, 14, b"the fake bytes").unwrap_err();
        assert!(err.to_string().contains("do not match"), "{err}");
        assert_eq!(
            store.status(&sha).unwrap().received,
            0,
            "the bad partial is gone"
        );
        assert!(store.append("../../etc/passwd", 0, 1, b"x").is_err());
        assert!(matches!(
            store.append(&sha, 0, 2 << 20, b"x").unwrap_err(),
            Error::PayloadTooLarge
        ));
    }
}
