//! A sweep folder's lock (`DIR/.lock`), held for the whole life of a sweep
//! or a merge, so that two of them never write into one folder at once
//! (their rows would mix). The lock is the operating system's (an
//! advisory lock on an open file, as cargo locks its build folder), so a
//! killed process leaves nothing held (`File::try_lock`, Rust 1.89).

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

/// The lock file's name in a sweep's folder (or a part's).
pub const LOCK: &str = ".lock";

/// A folder locked by this process; unlocked (and its lock file removed)
/// when dropped.
#[derive(Debug)]
pub struct FolderLock {
    file: File,
    path: PathBuf,
}

/// Why a folder could not be locked.
#[derive(Debug)]
pub enum LockError {
    /// Another sweep or merge holds it.
    Busy,
    /// The lock file could not be made or locked.
    Io(io::Error),
}

impl FolderLock {
    /// Locks `dir` (which must exist), or says why not. Never waits.
    pub fn try_acquire(dir: &Path) -> Result<FolderLock, LockError> {
        let path = dir.join(LOCK);
        // The holder removes the file as it lets go: a lock taken on a file
        // just removed is no lock, so take it again on the file now there.
        for _ in 0..100 {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| LockError::Io(with_path(e, &path)))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => return Err(LockError::Busy),
                Err(TryLockError::Error(e)) => return Err(LockError::Io(with_path(e, &path))),
            }
            if same_file(&file, &path) {
                return Ok(FolderLock { file, path });
            }
        }
        Err(LockError::Busy)
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still held, so that no one locks the old file after.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

/// Whether `path` still names the open `file`.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_: &File, path: &Path) -> bool {
    path.exists()
}

fn with_path(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}
