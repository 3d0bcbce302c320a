//! Writing report files whole: a reader (a CI uploader, a dashboard) sees the old file or the
//! new one, never half of one, even if the run is killed mid-write.
//!
//! A run's reports are written as one set ([`write_report_set`]) under a lock, so that two
//! runs writing to the same folder at once never leave `junit.xml` of one and `report.json`
//! of the other.

use crate::report::json::JsonReport;
use crate::report::junit::JunitSource;
use crate::run::Signal;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The lock file in every folder conform writes reports to.
pub const LOCK_FILE: &str = ".conform.lock";

/// How long a run waits for another conform to finish writing its reports to the same
/// folder before it gives up. Writing a set takes milliseconds; a lock held this long is a
/// stuck process.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// One file of a run's set of reports: where, what goes in it (or why it could not be made),
/// and what it is, for errors (`the JUnit report`).
pub struct ReportFile<'a> {
    pub path: PathBuf,
    pub contents: Result<Contents<'a>, &'a str>,
    pub what: &'a str,
}

/// What a report file holds, borrowed: never copied, and a JSON report is not even made
/// whole in memory (a large run's is several MiB).
pub enum Contents<'a> {
    /// A text made beforehand.
    Text(&'a str),
    /// A JSON report, written to the file as it is serialized.
    Json(&'a JsonReport),
    /// A JUnit report, written to the file suite by suite.
    Junit(&'a JunitSource<'a>),
}

/// Writes a run's reports as one set, each atomically, while holding an exclusive lock on
/// [`LOCK_FILE`] in each of their folders. When another conform is writing there, `waiting`
/// is told once who and where (`another conform (pid 1234)` and the folder), and the set
/// waits up to [`LOCK_WAIT`], or until `give_up` names a signal that ends the wait. Returns
/// every problem; when a lock cannot be had, nothing is written.
pub fn write_report_set(
    files: Vec<ReportFile<'_>>,
    waiting: &mut dyn FnMut(&str, &Path),
    give_up: &dyn Fn() -> Option<Signal>,
) -> Vec<String> {
    let _locks = match lock_folders(&files, (LOCK_WAIT, give_up), waiting) {
        Ok(locks) => locks,
        Err(e) => return vec![e],
    };
    // A large run's reports are serialized side by side: the probes are over, the CPUs idle.
    let large = files.iter().filter(|f| weight(f) >= PARALLEL_FROM).count() >= 2;
    if !large {
        return files.iter().filter_map(|f| write_one(f).err()).collect();
    }
    let written = std::thread::scope(|scope| {
        let (first, rest) = files.split_at(1);
        let others: Vec<_> = rest
            .iter()
            .map(|f| {
                let handle = std::thread::Builder::new().spawn_scoped(scope, || write_one(f));
                (f, handle)
            })
            .collect();
        let mut written: Vec<Result<(), String>> = first.iter().map(write_one).collect();
        for (f, handle) in others {
            written.push(match handle {
                // A thread that panicked wrote nothing that can be trusted: written again.
                Ok(h) => h.join().unwrap_or_else(|_| write_one(f)),
                // No thread to be had: written here.
                Err(_) => write_one(f),
            });
        }
        written
    });
    written.into_iter().filter_map(Result::err).collect()
}

/// How many checks a report of a run must hold before it is written beside the others, on a
/// thread of its own.
const PARALLEL_FROM: usize = 200;

/// The checks a report file holds, about.
fn weight(file: &ReportFile<'_>) -> usize {
    match &file.contents {
        Ok(Contents::Json(json)) => json.checks.len(),
        Ok(Contents::Junit(junit)) => junit.report.checks.len(),
        // A text of about a kilobyte per check.
        Ok(Contents::Text(text)) => text.len() / 1024,
        Err(_) => 0,
    }
}

fn write_one(file: &ReportFile<'_>) -> Result<(), String> {
    match &file.contents {
        Ok(Contents::Text(text)) => write_atomic(&file.path, text.as_bytes(), file.what),
        Ok(Contents::Json(json)) => {
            write_atomic_with(&file.path, file.what, &mut |out| json.write_pretty(out))
        }
        Ok(Contents::Junit(junit)) => {
            write_atomic_with(&file.path, file.what, &mut |out| junit.write(out))
        }
        Err(why) => Err(why.to_string()),
    }
}

/// The locks of a set's folders; released (and their files emptied of this process's id) when
/// dropped.
struct FolderLocks(Vec<File>);

impl Drop for FolderLocks {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = file.set_len(0);
        }
    }
}

/// Locks the folder of every file, in one order (so two sets never wait on each other).
/// A folder that cannot be created or locked is left to [`write_atomic`] to report.
fn lock_folders(
    files: &[ReportFile<'_>],
    (wait, give_up): (Duration, &dyn Fn() -> Option<Signal>),
    waiting: &mut dyn FnMut(&str, &Path),
) -> Result<FolderLocks, String> {
    let mut folders: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| {
            let dir = match f.path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            fs::create_dir_all(dir).ok()?;
            // One lock per folder however it is spelt: a second lock on the same file from
            // this process would wait on the first.
            fs::canonicalize(dir).ok()
        })
        .collect();
    folders.sort();
    folders.dedup();
    let deadline = Instant::now() + wait;
    let mut locks = Vec::new();
    for dir in folders {
        if let Some(lock) = lock_folder(&dir, (deadline, wait, give_up), waiting)? {
            locks.push(lock);
        }
    }
    Ok(FolderLocks(locks))
}

/// The lock of one folder, its file then holding this process's id; `None` when the lock
/// file cannot be opened (an unwritable folder: writing the reports will say so). `until`:
/// the deadline, the whole wait it ends (for the error), and why to stop waiting at once (a
/// signal).
fn lock_folder(
    dir: &Path,
    until: (Instant, Duration, &dyn Fn() -> Option<Signal>),
    waiting: &mut dyn FnMut(&str, &Path),
) -> Result<Option<File>, String> {
    let (deadline, wait, give_up) = until;
    let path = dir.join(LOCK_FILE);
    let Ok(mut file) = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
    else {
        return Ok(None);
    };
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let holder = holder(&mut file);
                if let Some(signal) = give_up() {
                    return Err(format!(
                        "interrupted by {signal} while waiting for {holder} to finish writing \
                         to {}; no report of this run was written",
                        dir.display()
                    ));
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "cannot write the reports to {}: {holder} has held {} for {wait:?}, \
                         writing its own reports there; no report of this run was written \
                         (wait for it to finish, or write this run's reports elsewhere with \
                         --junit and --json)",
                        dir.display(),
                        path.display(),
                    ));
                }
                if !said {
                    waiting(&holder, dir);
                    said = true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::Error(_)) => return Ok(None),
        }
    }
    let _ = file.set_len(0);
    let _ = file.write_all(format!("{}\n", std::process::id()).as_bytes());
    Ok(Some(file))
}

/// Who holds a lock, from its file: `another conform (pid 1234)`.
fn holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = io::Seek::rewind(file);
    let _ = file.read_to_string(&mut text);
    match text.trim().parse::<u32>() {
        Ok(pid) => format!("another conform (pid {pid})"),
        Err(_) => "another conform".to_string(),
    }
}

/// Writes `contents` to `path` through a temporary file in the same directory, then put in
/// the target's place ([`put_in_place`]); parent directories are created. Nothing is fsynced:
/// that last step is what makes the file whole for every reader (a killed run leaves the old
/// file or the new one), and the system writes both out within seconds. Waiting for the disk
/// instead would cost every run a few milliseconds on an idle disk and tens of them on a busy
/// one, for the one case of the machine itself going down in those seconds (which takes the
/// CI job reading the report down with it). `what` names the file for the error: `cannot write the JUnit report to
/// reports/junit.xml: Permission denied (os error 13)`.
pub fn write_atomic(path: &Path, contents: &[u8], what: &str) -> Result<(), String> {
    write_atomic_with(path, what, &mut |out| out.write_all(contents))
}

/// [`write_atomic`], the contents written by `fill` through a buffer.
fn write_atomic_with(
    path: &Path,
    what: &str,
    fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
) -> Result<(), String> {
    let fail = |cause: String| format!("cannot write {what} to {}: {cause}", path.display());
    let file_name = path
        .file_name()
        .ok_or_else(|| fail("the path does not name a file".to_string()))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| {
        fail(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })?;
    let (temp_path, file) =
        create_temp(dir, &file_name.to_string_lossy()).map_err(|e| fail(e.to_string()))?;
    let written = fill_file(file, fill).and_then(|()| put_in_place(&temp_path, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp_path);
        return Err(fail(e.to_string()));
    }
    Ok(())
}

fn fill_file(file: File, fill: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(64 * 1024, file);
    fill(&mut out)?;
    out.flush()
}

/// Puts the finished temporary file `temp` at `target`, atomically for every reader. Where a
/// file is already there, on Linux, the two are exchanged (`renameat2` with `RENAME_EXCHANGE`)
/// and the old one, now under the temporary name, is removed: a plain rename over an existing
/// file makes ext4 (its `auto_da_alloc` rule) start writing the new file out at once, about
/// 0.25 ms per report on an idle disk, more on a busy one, for a crash safety that
/// [`write_atomic`] does not promise anyway (after a power loss within seconds of a run, the
/// report may be empty). Anywhere else (no file there yet, a symbolic link, a directory in the
/// way, an exchange refused for any reason) it is a rename, which says what is wrong.
fn put_in_place(temp: &Path, target: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_file()) {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, temp, CWD, target, RenameFlags::EXCHANGE).is_ok() {
            // The old report: leaving it under the temporary name would only litter.
            let Err(e) = fs::remove_file(temp) else {
                return Ok(());
            };
            // Not a file after all (a directory put there meanwhile): it goes back where it
            // was, and the caller removes the new report with the error.
            let _ = renameat_with(CWD, temp, CWD, target, RenameFlags::EXCHANGE);
            return Err(e);
        }
    }
    fs::rename(temp, target)
}

/// A new file beside the target, named so that concurrent writers never share one.
fn create_temp(dir: &Path, file_name: &str) -> io::Result<(PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{file_name}.{}.{n}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => return Ok((temp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
