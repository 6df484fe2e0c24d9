//! Writing result files whole or not at all.
//!
//! Each file is written to a hidden temporary beside it,
//! `.<name>.<pid>.tmp`, then renamed into place. The temporaries that exist
//! are registered here, so that a front end stopped by a signal can remove
//! them ([`abandon`]) before it exits, and a run that was killed outright
//! (SIGKILL, power loss) has its leftovers removed by a later run
//! ([`remove_dead_temporaries`]).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The temporaries of this process that exist now.
static PENDING: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn pending() -> MutexGuard<'static, Vec<PathBuf>> {
    // The list stays correct even if a holder panicked: entries are pushed
    // and removed whole.
    PENDING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The temporary that [`write_atomic`] uses for `path` in this process.
pub fn temporary_for(path: &Path) -> PathBuf {
    temporary_of(path, std::process::id())
}

fn temporary_of(path: &Path, pid: u32) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or("output".into(), |n| n.to_string_lossy());
    dir.join(format!(".{name}.{pid}.tmp"))
}

/// Writes `bytes` to `path` through a temporary file renamed into place, so
/// that an interrupted run never leaves a truncated file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_all_atomic(&[(path.to_path_buf(), bytes)])
}

/// Writes every file to its temporary first and renames them all only when
/// all are written: an error (a full disk) replaces none of them. The
/// renames happen together, so a signal handled by [`abandon`] finds either
/// none or all of them done.
pub fn write_all_atomic(files: &[(PathBuf, &[u8])]) -> io::Result<()> {
    replace_all(files, &[], &[])
}

/// One batch of changes to a folder, done whole: writes every file of
/// `files` to its temporary, then, holding the registry's lock (so that a
/// signal handled by [`abandon`] finds none or all of it done), renames
/// those and the already written temporaries of `written` (`(temporary,
/// path)`, from [`create_temporary`]) into place and removes the stale
/// files `remove` (absent ones are no error). An error before the renames
/// replaces nothing and removes the temporaries this call made; those of
/// `written` stay their owner's to place or [`discard`].
pub fn replace_all(
    files: &[(PathBuf, &[u8])],
    written: &[(PathBuf, PathBuf)],
    remove: &[PathBuf],
) -> io::Result<()> {
    let mut made = Vec::with_capacity(files.len());
    let result = (|| {
        for (path, bytes) in files {
            let tmp = temporary_for(path);
            let mut f = {
                let mut list = pending();
                let f = fs::File::create(&tmp).map_err(|e| named(e, path))?;
                list.push(tmp.clone());
                f
            };
            made.push(tmp);
            f.write_all(bytes).map_err(|e| named(e, path))?;
            f.sync_all().map_err(|e| named(e, path))?;
        }
        let mut list = pending();
        let renames = files
            .iter()
            .map(|(path, _)| path)
            .zip(&made)
            .chain(written.iter().map(|(tmp, path)| (path, tmp)));
        for (path, tmp) in renames {
            if !list.contains(tmp) {
                return Err(io::Error::other(format!(
                    "{}: its temporary file is not one this process wrote",
                    path.display()
                )));
            }
            fs::rename(tmp, path).map_err(|e| named(e, path))?;
            list.retain(|p| p != tmp);
        }
        for path in remove {
            match fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(named(e, path)),
                _ => {}
            }
        }
        Ok(())
    })();
    if result.is_err() {
        let mut list = pending();
        for tmp in &made {
            if list.contains(tmp) {
                let _ = fs::remove_file(tmp);
                list.retain(|p| p != tmp);
            }
        }
    }
    result
}

/// Whether `tmp` is a temporary of this process not yet placed or removed.
pub fn is_pending(tmp: &Path) -> bool {
    pending().iter().any(|p| p == tmp)
}

/// Creates the temporary for `path`, registered like those of
/// [`write_all_atomic`], for a file written over a long time (streamed as a
/// run goes); [`place`] renames it into place, [`discard`] removes it.
pub fn create_temporary(path: &Path) -> io::Result<(PathBuf, fs::File)> {
    let tmp = temporary_for(path);
    let mut list = pending();
    let f = fs::File::create(&tmp).map_err(|e| named(e, path))?;
    list.push(tmp.clone());
    Ok((tmp, f))
}

/// Renames a temporary from [`create_temporary`] to `path`.
pub fn place(tmp: &Path, path: &Path) -> io::Result<()> {
    let mut list = pending();
    fs::rename(tmp, path).map_err(|e| named(e, path))?;
    list.retain(|p| p != tmp);
    Ok(())
}

/// Removes a temporary from [`create_temporary`] that will not be placed.
pub fn discard(tmp: &Path) {
    let mut list = pending();
    if list.contains(&tmp.to_path_buf()) {
        let _ = fs::remove_file(tmp);
        list.retain(|p| p != tmp);
    }
}

/// Adds the file's name to an error, which the OS gives without it.
fn named(e: io::Error, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Removes this process's temporaries and stops any more from being made
/// or renamed (a later write blocks for good): for a front end about to
/// exit on a signal. Returns how many were removed.
pub fn abandon() -> usize {
    let list = pending();
    let mut removed = 0;
    for tmp in list.iter() {
        if fs::remove_file(tmp).is_ok() {
            removed += 1;
        }
    }
    // Keep the lock: no writer may create or rename after this.
    std::mem::forget(list);
    removed
}

/// Removes, in `dir`, the temporaries `.<name>.<pid>.tmp` of the files
/// `names` that a process that no longer runs left behind (a run killed
/// outright). Those of this process and of live processes (a concurrent
/// run) are kept, and so is anything else.
pub fn remove_dead_temporaries(dir: &Path, names: &[String]) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let me = std::process::id();
    for entry in entries.filter_map(Result::ok) {
        let file_name = entry.file_name();
        let Some(pid) = file_name.to_str().and_then(|n| ours(n, names)) else {
            continue;
        };
        if pid == me || alive(pid) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// The pid in `.<name>.<pid>.tmp` when `name` is one of `names`.
fn ours(file_name: &str, names: &[String]) -> Option<u32> {
    let rest = file_name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, pid) = rest.rsplit_once('.')?;
    if !names.iter().any(|n| n == name) || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    pid.parse().ok()
}

/// Whether a process with this id runs (on doubt, yes: nothing is removed).
#[cfg(unix)]
fn alive(pid: u32) -> bool {
    // 0 and negative numbers name process groups for kill(2).
    // One that does not fit a pid_t cannot be asked about: keep its file.
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    if pid <= 0 {
        return true;
    }
    // SAFETY: signal 0 only asks whether the process exists; nothing is sent.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_are_recognised_by_name_and_pid() {
        let names = vec!["metrics.csv".to_string(), "a.b.png".to_string()];
        assert_eq!(ours(".metrics.csv.12.tmp", &names), Some(12));
        assert_eq!(ours(".a.b.png.7.tmp", &names), Some(7));
        assert_eq!(ours(".notes.txt.12.tmp", &names), None);
        assert_eq!(ours(".metrics.csv.+12.tmp", &names), None);
        assert_eq!(ours("metrics.csv.12.tmp", &names), None);
        assert_eq!(ours(".metrics.csv.tmp", &names), None);
    }

    #[test]
    fn a_pid_that_cannot_be_asked_about_counts_as_alive() {
        assert!(alive(u32::MAX));
        assert!(alive(std::process::id()));
    }

    #[test]
    fn a_batch_places_a_streamed_temporary_with_the_others_or_none() {
        let dir = std::env::temp_dir().join(format!("canopy-batch-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a"), "old a").unwrap();
        fs::write(dir.join("s"), "old s").unwrap();
        fs::write(dir.join("stale"), "old").unwrap();
        let (tmp, mut f) = create_temporary(&dir.join("s")).unwrap();
        f.write_all(b"new s").unwrap();
        drop(f);
        // A failure (a file in a missing folder) replaces none of them.
        let bad = dir.join("missing/b");
        let written = [(tmp.clone(), dir.join("s"))];
        let remove = [dir.join("stale")];
        let e = replace_all(&[(dir.join("a"), b"new a"), (bad, b"x")], &written, &remove);
        assert!(e.is_err());
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "old a");
        assert_eq!(fs::read_to_string(dir.join("s")).unwrap(), "old s");
        assert!(dir.join("stale").exists());
        assert!(is_pending(&tmp), "the streamed temporary stays its owner's");
        replace_all(&[(dir.join("a"), b"new a")], &written, &remove).unwrap();
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "new a");
        assert_eq!(fs::read_to_string(dir.join("s")).unwrap(), "new s");
        assert!(!dir.join("stale").exists());
        assert!(!is_pending(&tmp));
        let mut left: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["a", "s"]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_failed_write_replaces_nothing_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("canopy-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("a"), "old").unwrap();
        let missing = dir.join("missing/b");
        let r = write_all_atomic(&[(dir.join("a"), b"new"), (missing, b"x")]);
        let e = r.unwrap_err();
        assert!(e.to_string().contains("missing/b: "), "{e}");
        assert_eq!(fs::read_to_string(dir.join("a")).unwrap(), "old");
        let left: Vec<_> = fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}
