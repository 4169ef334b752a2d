//! Where archives live: a `file://` folder, `s3://`, `gs://` or `az://` bucket, through
//! `object_store`. Credentials come from the standard environment variables the object-store
//! builders read (`AWS_ACCESS_KEY_ID`, `AWS_ENDPOINT`, `GOOGLE_SERVICE_ACCOUNT`, …).
//!
//! The rest of dbsub is synchronous; a [`Store`] owns a small runtime and blocks on it.

use std::sync::Arc;

use anyhow::{Context, Result, bail};
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::model::digest::hex;

/// An object store and the prefix dbsub writes under.
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// The same store when it is a `file://` folder: its uploads stage in files of their own.
    local: Option<Arc<LocalFileSystem>>,
    prefix: ObjectPath,
    runtime: tokio::runtime::Runtime,
    display: String,
}

impl Store {
    /// Opens the store `url` names: `file://relative/folder`, `file:///absolute/folder`,
    /// `s3://bucket/prefix`, `gs://bucket/prefix` (feature `gcs`), `az://container/prefix`
    /// (feature `azure`). A `file://` folder is created when missing.
    ///
    /// Fails on an unknown scheme, a folder that cannot be created, or incomplete cloud
    /// settings; the message says which.
    pub fn open(url: &str) -> Result<Store> {
        // Messages show the URL as it is configured, but never a password in it.
        let shown = crate::model::redact_url(url);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the object-store runtime")?;
        let (scheme, rest) = url.split_once("://").with_context(|| {
            format!("`{shown}` is not a store URL: use file://folder or s3://bucket/prefix")
        })?;
        let mut local = None;
        let (inner, prefix): (Arc<dyn ObjectStore>, String) = match scheme {
            "file" => {
                let folder = std::path::Path::new(rest);
                std::fs::create_dir_all(folder).with_context(|| {
                    format!("cannot create the store folder {}", folder.display())
                })?;
                let store = LocalFileSystem::new_with_prefix(folder)
                    .with_context(|| format!("cannot open the store folder {}", folder.display()))?
                    .with_automatic_cleanup(true);
                let store = Arc::new(store);
                local = Some(Arc::clone(&store));
                (store, String::new())
            }
            "s3" | "s3a" => {
                let (bucket, prefix) = bucket_and_prefix(url, rest)?;
                let store = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .with_context(|| {
                        format!(
                            "cannot open the store {shown}: check AWS_REGION, AWS_ACCESS_KEY_ID, \
                             AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT for a non-AWS server)"
                        )
                    })?;
                (Arc::new(store), prefix)
            }
            #[cfg(feature = "gcs")]
            "gs" => {
                let (bucket, prefix) = bucket_and_prefix(url, rest)?;
                let store = object_store::gcp::GoogleCloudStorageBuilder::from_env()
                    .with_bucket_name(bucket)
                    .build()
                    .with_context(|| {
                        format!(
                            "cannot open the store {shown}: check GOOGLE_SERVICE_ACCOUNT or \
                             GOOGLE_APPLICATION_CREDENTIALS"
                        )
                    })?;
                (Arc::new(store), prefix)
            }
            #[cfg(feature = "azure")]
            "az" | "azure" => {
                let (container, prefix) = bucket_and_prefix(url, rest)?;
                let store = object_store::azure::MicrosoftAzureBuilder::from_env()
                    .with_container_name(container)
                    .build()
                    .with_context(|| {
                        format!(
                            "cannot open the store {shown}: check AZURE_STORAGE_ACCOUNT_NAME and \
                             AZURE_STORAGE_ACCOUNT_KEY"
                        )
                    })?;
                (Arc::new(store), prefix)
            }
            "gs" | "az" | "azure" => bail!(
                "`{shown}`: this dbsub was built without {scheme}:// support; rebuild with \
                 `cargo build --release --features {}`",
                if scheme == "gs" { "gcs" } else { "azure" }
            ),
            _ => bail!(
                "`{shown}` is not a store URL: use file://folder, s3://bucket/prefix, \
                 gs://bucket/prefix or az://container/prefix"
            ),
        };
        Ok(Store {
            inner,
            local,
            prefix: ObjectPath::from(prefix),
            runtime,
            display: url.to_string(),
        })
    }

    /// The store's URL, as configured.
    pub fn url(&self) -> &str {
        &self.display
    }

    fn path(&self, key: &str) -> ObjectPath {
        let mut path = self.prefix.clone();
        for part in key.split('/').filter(|p| !p.is_empty()) {
            path = path.join(part);
        }
        path
    }

    fn failed(&self, what: &str, key: &str, err: object_store::Error) -> anyhow::Error {
        let mut text = err.to_string();
        // The root cause (connection refused, no such host) is often only in the source chain.
        let mut root = None;
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            root = Some(s.to_string());
            source = s.source();
        }
        if let Some(root) = root
            && !text.contains(&root)
        {
            text.push_str(&format!(" ({root})"));
        }
        // Without credentials the S3 client asks the instance metadata endpoint (IMDS), which
        // answers only on a cloud machine: its error would send the user the wrong way.
        if text.contains("/latest/api/token") || text.contains("/latest/meta-data") {
            return anyhow::anyhow!(
                "cannot {what} {key} in the store {}: no credentials for it: set \
                 AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment or .env (dbsub \
                 reads no ~/.aws profile); without them the cloud's instance metadata endpoint \
                 was asked, which answers only on a cloud machine with a role ({text})",
                crate::model::redact_url(&self.display)
            );
        }
        anyhow::anyhow!(
            "cannot {what} {key} in the store {}: {text}",
            crate::model::redact_url(&self.display)
        )
    }

    /// Writes a small object whole (atomically: readers see the old or the new one).
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        let path = self.path(key);
        self.runtime
            .block_on(self.inner.put(&path, PutPayload::from(bytes)))
            .map_err(|e| self.failed("write", key, e))?;
        Ok(())
    }

    /// Reads a small object whole; `None` when it does not exist.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let path = self.path(key);
        let result = self.runtime.block_on(async {
            match self.inner.get(&path).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        result
            .map(|b| b.map(|b| b.to_vec()))
            .map_err(|e| self.failed("read", key, e))
    }

    /// Streams an object into `each` chunk by chunk; `false` when it does not exist.
    pub fn read_chunks(
        &self,
        key: &str,
        each: &mut dyn FnMut(&[u8]) -> Result<()>,
    ) -> Result<bool> {
        let path = self.path(key);
        let mut stream = match self.runtime.block_on(self.inner.get(&path)) {
            Ok(r) => r.into_stream(),
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(self.failed("read", key, e)),
        };
        while let Some(chunk) = self
            .runtime
            .block_on(stream.try_next())
            .map_err(|e| self.failed("read", key, e))?
        {
            each(&chunk)?;
        }
        Ok(true)
    }

    /// The SHA-256 (lowercase hex) and size of an object, read in a stream; `None` when it
    /// does not exist.
    pub fn sha256(&self, key: &str) -> Result<Option<(String, u64)>> {
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let found = self.read_chunks(key, &mut |chunk| {
            hasher.update(chunk);
            size += chunk.len() as u64;
            Ok(())
        })?;
        Ok(found.then(|| (hex(&hasher.finalize()), size)))
    }

    /// The keys under `prefix` (relative to the store's prefix).
    pub fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let base = self.path(prefix);
        let objects: Vec<object_store::ObjectMeta> = self
            .runtime
            .block_on(self.inner.list(Some(&base)).try_collect())
            .map_err(|e| self.failed("list", prefix, e))?;
        let root = self.prefix.as_ref();
        let mut keys: Vec<String> = objects
            .into_iter()
            .map(|m| {
                let full = m.location.as_ref().to_string();
                full.strip_prefix(root)
                    .map(|k| k.trim_start_matches('/').to_string())
                    .unwrap_or(full)
            })
            .collect();
        keys.sort();
        Ok(keys)
    }

    /// Deletes one object; deleting a missing one is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
        let path = self.path(key);
        match self.runtime.block_on(self.inner.delete(&path)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.failed("delete", key, e)),
        }
    }

    /// Deletes what killed uploads left under `prefix` in a `file://` store, and returns how
    /// many files: an upload is written to `<key>#<digits>` beside its object and renamed when
    /// it completes, so a kill leaves that file, which no listing shows. A cloud store keeps
    /// an unfinished upload out of sight and deletes it by its own rules: nothing to do.
    ///
    /// Only files named like that are deleted; fails when the folder cannot be read or a file
    /// deleted.
    pub fn remove_staging(&self, prefix: &str) -> Result<usize> {
        let Some(local) = &self.local else {
            return Ok(0);
        };
        let folder = local
            .path_to_filesystem(&self.path(prefix))
            .map_err(|e| self.failed("find", prefix, e))?;
        let mut removed = 0;
        let mut folders = vec![folder];
        while let Some(folder) = folders.pop() {
            let entries = match std::fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", folder.display()));
                }
            };
            for entry in entries {
                let entry = entry.with_context(|| format!("cannot read {}", folder.display()))?;
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    folders.push(path);
                } else if is_staging(&entry.file_name().to_string_lossy()) {
                    std::fs::remove_file(&path).with_context(|| {
                        format!("cannot delete the unfinished upload {}", path.display())
                    })?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    /// Starts a streaming upload of `key`: small objects go up in one request, larger ones in
    /// a multipart upload; nothing is visible under `key` until [`Upload::finish`].
    pub fn upload(&self, key: &str) -> Upload<'_> {
        let writer = object_store::buffered::BufWriter::with_capacity(
            Arc::clone(&self.inner),
            self.path(key),
            UPLOAD_CHUNK,
        );
        Upload {
            store: self,
            key: key.to_string(),
            writer: Some(writer),
            buf: Vec::with_capacity(BUFFER),
        }
    }
}

/// Whether a file name is that of an upload under way in a `file://` store: `<name>#<digits>`.
fn is_staging(name: &str) -> bool {
    name.rsplit_once('#').is_some_and(|(object, n)| {
        !object.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// Multipart chunk size: S3 needs at least 5 MiB for all but the last.
const UPLOAD_CHUNK: usize = 8 * 1024 * 1024;
/// Bytes gathered before handing them to the uploader.
const BUFFER: usize = 1024 * 1024;

fn bucket_and_prefix(url: &str, rest: &str) -> Result<(String, String)> {
    let shown = crate::model::redact_url(url);
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        bail!(
            "`{shown}` names no bucket: write {}//bucket/prefix",
            &url[..url.find("//").unwrap_or(0)]
        );
    }
    Ok((bucket.to_string(), prefix.trim_matches('/').to_string()))
}

/// A streaming upload: an `io::Write` whose bytes become one object when it finishes.
pub struct Upload<'a> {
    store: &'a Store,
    key: String,
    writer: Option<object_store::buffered::BufWriter>,
    buf: Vec<u8>,
}

impl Upload<'_> {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let writer = self.writer.as_mut().expect("not finished");
        self.store.runtime.block_on(writer.write_all(&self.buf))?;
        self.buf.clear();
        Ok(())
    }

    /// Completes the upload: the object appears whole.
    pub fn finish(mut self) -> Result<()> {
        self.send().with_context(|| {
            format!(
                "cannot write {} to the store {}",
                self.key, self.store.display
            )
        })?;
        let mut writer = self.writer.take().expect("finished once");
        self.store
            .runtime
            .block_on(writer.shutdown())
            .with_context(|| {
                format!(
                    "cannot write {} to the store {}",
                    self.key, self.store.display
                )
            })
    }
}

impl std::io::Write for Upload<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= BUFFER {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Upload<'_> {
    fn drop(&mut self) {
        // Not finished: abort, so that no partial object or multipart upload is left.
        if let Some(mut writer) = self.writer.take() {
            let _ = self.store.runtime.block_on(writer.abort());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_folder_store_writes_reads_lists_and_streams() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}/store", dir.path().display());
        let store = Store::open(&url).unwrap();
        store.put("a/b.json", b"{}".to_vec()).unwrap();
        assert_eq!(store.get("a/b.json").unwrap().as_deref(), Some(&b"{}"[..]));
        assert_eq!(store.get("a/missing").unwrap(), None);
        let mut up = store.upload("a/data/part-00000.csv.zst");
        let big = vec![7u8; 3 * BUFFER + 5];
        up.write_all(&big).unwrap();
        up.finish().unwrap();
        let (sha, size) = store.sha256("a/data/part-00000.csv.zst").unwrap().unwrap();
        assert_eq!(size, big.len() as u64);
        assert_eq!(sha, hex(&Sha256::digest(&big)));
        assert_eq!(
            store.list("a").unwrap(),
            ["a/b.json", "a/data/part-00000.csv.zst"]
        );
        // An upload dropped before it finishes leaves nothing behind.
        let mut up = store.upload("a/data/part-00001.csv.zst");
        up.write_all(&big).unwrap();
        drop(up);
        assert_eq!(store.get("a/data/part-00001.csv.zst").unwrap(), None);
        store.delete("a/b.json").unwrap();
        store.delete("a/b.json").unwrap();
        assert_eq!(store.list("a").unwrap(), ["a/data/part-00000.csv.zst"]);
    }

    #[test]
    fn a_killed_uploads_file_is_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("file://{}", dir.path().display())).unwrap();
        store.put("s/data/T/part-00000.csv.zst", vec![1]).unwrap();
        // What a kill leaves of an upload: a file `<key>#<n>`, which listings skip.
        let staged = ["s/data/T/part-00001.csv.zst#1", "s/progress/T.json#12"];
        let kept = [
            "s/data/T/part-00000.csv.zst",
            "s/notes#draft",
            "s/#1",
            "other/data/T/part-00001.csv.zst#1",
        ];
        for key in staged.iter().chain(&kept[1..]) {
            let path = dir.path().join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"x").unwrap();
        }
        assert_eq!(
            store.list("s/data").unwrap(),
            ["s/data/T/part-00000.csv.zst"]
        );
        assert_eq!(store.remove_staging("s").unwrap(), 2);
        for key in staged {
            assert!(!dir.path().join(key).exists(), "{key}");
        }
        for key in kept {
            assert!(dir.path().join(key).exists(), "{key}");
        }
        assert_eq!(store.remove_staging("missing").unwrap(), 0);
    }

    #[test]
    fn unknown_schemes_and_unwritable_folders_are_explained() {
        let err = Store::open("ftp://x/y").err().unwrap();
        assert!(err.to_string().contains("not a store URL"), "{err}");
        let err = Store::open("file:///proc/dbsub-cannot-be-here")
            .err()
            .unwrap();
        assert!(
            format!("{err:#}").contains("cannot create the store folder"),
            "{err:#}"
        );
    }
}
