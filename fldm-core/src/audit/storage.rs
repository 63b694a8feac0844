//! The files of a journal directory: the storage a journal appends to
//! (a file, or memory for tests), opening a file with torn-tail repair,
//! and the fixed byte forms the verifier reads without decoding (entry
//! prefix, pruned entries).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::frame::{self, Tail};
use super::journal::{ENTRIES_FILE, OpenReport, TornTail};
use super::merkle::Hash;
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub(super) enum Storage {
    File { file: Arc<File>, path: PathBuf },
    Memory(Arc<Mutex<Vec<u8>>>),
}

pub(super) fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::io(format!("{what} {}", path.display()), e)
}

impl Storage {
    pub(super) fn append(&self, buf: &[u8], sync: bool, chunk: Option<usize>) -> Result<()> {
        match self {
            Storage::File { file, path } => {
                let mut f: &File = file;
                match chunk {
                    Some(n) if n > 0 => {
                        for c in buf.chunks(n) {
                            f.write_all(c).map_err(|e| io_err("writing", path, e))?;
                        }
                    }
                    _ => f.write_all(buf).map_err(|e| io_err("writing", path, e))?,
                }
                if sync {
                    file.sync_data().map_err(|e| io_err("syncing", path, e))?;
                }
                Ok(())
            }
            Storage::Memory(v) => {
                v.lock()
                    .map_err(|_| Error::Audit("journal memory poisoned".into()))?
                    .extend_from_slice(buf);
                Ok(())
            }
        }
    }

    pub(super) fn read_all(&self) -> Result<Vec<u8>> {
        match self {
            Storage::File { path, .. } => fs::read(path).map_err(|e| io_err("reading", path, e)),
            Storage::Memory(v) => Ok(v
                .lock()
                .map_err(|_| Error::Audit("journal memory poisoned".into()))?
                .clone()),
        }
    }

    pub(super) fn read_at(&self, offset: u64, len: usize) -> Result<Vec<u8>> {
        match self {
            Storage::File { path, .. } => {
                let mut f = File::open(path).map_err(|e| io_err("opening", path, e))?;
                f.seek(SeekFrom::Start(offset))
                    .map_err(|e| io_err("reading", path, e))?;
                let mut buf = vec![0u8; len];
                f.read_exact(&mut buf)
                    .map_err(|e| io_err("reading", path, e))?;
                Ok(buf)
            }
            Storage::Memory(v) => {
                let v = v
                    .lock()
                    .map_err(|_| Error::Audit("journal memory poisoned".into()))?;
                let start = usize::try_from(offset).unwrap_or(usize::MAX);
                v.get(start..start.saturating_add(len))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| Error::Audit("entry outside the journal".into()))
            }
        }
    }
}

/// Parse the fixed prefix `{"index":N,"prev":"<hex>",` of a canonical entry.
pub(crate) fn entry_header(bytes: &[u8]) -> Option<(u64, Hash)> {
    let rest = bytes.strip_prefix(b"{\"index\":")?;
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 20 {
        return None;
    }
    let index: u64 = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"prev\":\"")?;
    let hex = std::str::from_utf8(rest.get(..64)?).ok()?;
    let prev = super::canon::unhex32(hex)?;
    Some((index, prev))
}

pub(crate) fn pruned_payload(index: u64, leaf: &Hash) -> Vec<u8> {
    let mut p = Vec::with_capacity(40);
    p.extend_from_slice(&index.to_le_bytes());
    p.extend_from_slice(leaf);
    p
}

pub(crate) fn parse_pruned(payload: &[u8]) -> Option<(u64, Hash)> {
    if payload.len() != 40 {
        return None;
    }
    let mut i = [0u8; 8];
    i.copy_from_slice(&payload[..8]);
    let mut h = [0u8; 32];
    h.copy_from_slice(&payload[8..]);
    Some((u64::from_le_bytes(i), h))
}

pub(super) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io_err("syncing directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Open (creating if needed) one journal file, truncating a torn tail.
pub(super) fn open_file(
    dir: &Path,
    name: &str,
    magic: &[u8; 8],
    report: &mut OpenReport,
) -> Result<(Storage, Vec<u8>)> {
    let path = dir.join(name);
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(&path)
        .map_err(|e| io_err("opening", &path, e))?;
    let mut data = fs::read(&path).map_err(|e| io_err("reading", &path, e))?;
    let (_, tail) = frame::scan(&data, magic, false);
    match tail {
        Tail::Clean => {}
        Tail::Torn { offset } => {
            let keep = if offset < magic.len() { 0 } else { offset };
            report.torn_tails.push(TornTail {
                file: name.to_string(),
                offset: keep as u64,
                bytes: (data.len() - keep) as u64,
            });
            file.set_len(keep as u64)
                .map_err(|e| io_err("truncating", &path, e))?;
            file.sync_all().map_err(|e| io_err("syncing", &path, e))?;
            data.truncate(keep);
        }
        Tail::Corrupt { offset, reason } => {
            return Err(Error::Audit(format!(
                "journal file {name} is damaged at offset {offset} ({reason}); refusing to open it; run `fldm audit verify`"
            )));
        }
    }
    if data.is_empty() {
        let mut f: &File = &file;
        f.write_all(magic)
            .map_err(|e| io_err("writing", &path, e))?;
        file.sync_all().map_err(|e| io_err("syncing", &path, e))?;
        sync_dir(dir)?;
        data.extend_from_slice(magic);
        if name == ENTRIES_FILE {
            report.created = true;
        }
    }
    Ok((
        Storage::File {
            file: Arc::new(file),
            path,
        },
        data,
    ))
}
