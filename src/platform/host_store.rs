//! The host's store: one file per record in a directory (`q.0000002a`, `tx.1`, `cfg`, ...).
//!
//! Each write goes to a temporary file that is fsynced, renamed over the record and the
//! directory fsynced, so a record is either the old or the new one after a power cut. The
//! records carry the engine's own checksum ([`ChargePoint::restore_record`] refuses a damaged
//! one, and the file is removed with a log line).

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use log::{info, warn};

use crate::datetime::Instant;
use crate::engine::{ChargePoint, RestoreReport, Station, StoreOp, MAX_STORED_RECORD};

const TEMP_SUFFIX: &str = ".tmp";

/// Bytes and operations performed, for wear measurements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    pub bytes_written: u64,
    pub writes: u64,
    pub erases: u64,
}

/// A directory holding a charge point's records.
#[derive(Debug)]
pub struct DirStore {
    dir: PathBuf,
    buf: Box<[u8; MAX_STORED_RECORD]>,
    stats: StoreStats,
}

impl DirStore {
    /// Opens (creating it if needed) the store in `dir`.
    pub fn open(dir: impl Into<PathBuf>) -> io::Result<Self> {
        let dir = dir.into();
        fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            buf: Box::new([0; MAX_STORED_RECORD]),
            stats: StoreStats::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn stats(&self) -> StoreStats {
        self.stats
    }

    /// Hands every stored record to `cp` and finishes its restore (removing the records it
    /// refuses and leftovers of interrupted writes). Call once, before connecting.
    pub fn restore<S: Station>(&mut self, cp: &mut ChargePoint<S>, now: Instant) -> RestoreReport {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) => {
                warn!("store {}: {e}; starting empty", self.dir.display());
                return cp.finish_restore(now);
            }
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        for name in names {
            let path = self.dir.join(&name);
            if path.is_dir() {
                // Not a record: e.g. `keys/` of certificate signing (platform/host/csr.rs).
                continue;
            }
            if name.ends_with(TEMP_SUFFIX) {
                remove(&path);
                continue;
            }
            let key = name.replacen('.', "/", 1);
            match fs::read(&path) {
                Ok(bytes) if bytes.len() <= MAX_STORED_RECORD => {
                    if let Err(e) = cp.restore_record(&key, &bytes) {
                        warn!("store: record {name} refused ({e:?}); removed");
                        remove(&path);
                    }
                }
                Ok(bytes) => {
                    warn!(
                        "store: record {name} of {} bytes is too long; removed",
                        bytes.len()
                    );
                    remove(&path);
                }
                Err(e) => warn!("store: cannot read {name}: {e}"),
            }
        }
        let report = cp.finish_restore(now);
        info!("store {}: {report:?}", self.dir.display());
        self.sync(cp);
        report
    }

    /// Performs every write and erase the engine has pending.
    pub fn sync<S: Station>(&mut self, cp: &mut ChargePoint<S>) {
        while let Some(op) = cp.poll_store(self.buf.as_mut_slice()) {
            let result = match op {
                StoreOp::Write { key, data } => {
                    self.stats.bytes_written += data.len() as u64;
                    self.stats.writes += 1;
                    write_atomically(&self.dir, &file_name(&key), data)
                }
                StoreOp::Erase { key } => {
                    self.stats.erases += 1;
                    match fs::remove_file(self.dir.join(file_name(&key))) {
                        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                        _ => Ok(()),
                    }
                }
            };
            if let Err(e) = result {
                warn!("store {}: {e}", self.dir.display());
            }
        }
    }
}

fn file_name(key: &str) -> String {
    key.replace('/', ".")
}

fn remove(path: &Path) {
    if let Err(e) = fs::remove_file(path) {
        warn!("store: cannot remove {}: {e}", path.display());
    }
}

/// write + fsync + rename + fsync of the directory.
fn write_atomically(dir: &Path, name: &str, data: &[u8]) -> io::Result<()> {
    let temp = dir.join(format!("{name}{TEMP_SUFFIX}"));
    let mut file = File::create(&temp)?;
    file.write_all(data)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temp, dir.join(name))?;
    File::open(dir)?.sync_all()
}
