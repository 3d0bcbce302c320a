//! Writing report files whole: a reader (a CI uploader, a dashboard) sees the old file or the
//! new one, never half of one, even if the run is killed mid-write.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Writes `contents` to `path` through a temporary file in the same directory, synced and
/// renamed over the target; parent directories are created. `what` names the file for the
/// error: `cannot write the JUnit report to reports/junit.xml: Permission denied (os error 13)`.
pub fn write_atomic(path: &Path, contents: &[u8], what: &str) -> Result<(), String> {
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
    let written = fill(file, contents).and_then(|()| fs::rename(&temp_path, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp_path);
        return Err(fail(e.to_string()));
    }
    // Make the rename itself durable; a failure here loses nothing already visible.
    if let Ok(dir) = File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn fill(mut file: File, contents: &[u8]) -> io::Result<()> {
    file.write_all(contents)?;
    file.sync_all()
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
mod tests {
    use super::*;

    #[test]
    fn writes_creating_directories_then_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("reports/nested/junit.xml");
        write_atomic(&path, b"first", "the JUnit report").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"first");
        write_atomic(&path, b"second", "the JUnit report").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["junit.xml"], "no temporary file is left behind");
    }

    #[test]
    fn an_unwritable_path_is_explained() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("reports");
        fs::write(&blocker, b"a file, not a directory").unwrap();
        let path = blocker.join("junit.xml");
        let err = write_atomic(&path, b"x", "the JUnit report").unwrap_err();
        let prefix = format!("cannot write the JUnit report to {}: ", path.display());
        assert!(err.starts_with(&prefix), "{err}");
        assert!(err.contains("os error"), "{err}");
    }

    #[test]
    fn a_directory_in_the_way_is_an_error_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junit.xml");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), b"").unwrap();
        let err = write_atomic(&path, b"x", "the JUnit report").unwrap_err();
        assert!(
            err.starts_with("cannot write the JUnit report to "),
            "{err}"
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
