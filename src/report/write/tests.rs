//! Writing report sets: locks, atomic replacement, errors.

use super::*;

fn report_file(path: PathBuf) -> ReportFile<'static> {
    ReportFile {
        path,
        contents: Ok(Contents::Text("x")),
        what: "the JSON report",
    }
}

#[test]
fn one_folder_spelt_two_ways_is_locked_once() {
    let dir = tempfile::tempdir().unwrap();
    let files = vec![
        report_file(dir.path().join("reports/junit.xml")),
        report_file(dir.path().join("reports/./report.json")),
        report_file(dir.path().join("other/metrics.prom")),
    ];
    let locks = lock_folders(&files, (Duration::ZERO, &|| None), &mut |_, _| {
        panic!("no wait")
    })
    .expect("no wait on itself");
    assert_eq!(locks.0.len(), 2);
    let pid = fs::read_to_string(dir.path().join("reports").join(LOCK_FILE)).unwrap();
    assert_eq!(pid, format!("{}\n", std::process::id()));
    drop(locks);
    let after = fs::read_to_string(dir.path().join("reports").join(LOCK_FILE)).unwrap();
    assert_eq!(after, "", "released, the file names no holder");
    assert_eq!(
        write_report_set(files, &mut |_, _| panic!("no wait"), &|| None),
        Vec::<String>::new()
    );
}

#[test]
fn a_held_lock_is_waited_for_then_named() {
    let dir = tempfile::tempdir().unwrap();
    let folder = fs::canonicalize(dir.path()).unwrap();
    let held = File::create(folder.join(LOCK_FILE)).unwrap();
    held.try_lock().unwrap();
    fs::write(folder.join(LOCK_FILE), "4242\n").unwrap();
    let files = vec![report_file(folder.join("report.json"))];
    let mut notes = Vec::new();
    let Err(e) = lock_folders(
        &files,
        (Duration::from_millis(50), &|| None),
        &mut |who, dir| notes.push(format!("{who} in {}", dir.display())),
    ) else {
        panic!("locked twice");
    };
    assert_eq!(
        notes,
        [format!(
            "another conform (pid 4242) in {}",
            folder.display()
        )]
    );
    let lock = folder.join(LOCK_FILE);
    assert_eq!(
        e,
        format!(
            "cannot write the reports to {}: another conform (pid 4242) has held {} for \
             50ms, writing its own reports there; no report of this run was written (wait \
             for it to finish, or write this run's reports elsewhere with --junit and \
             --json)",
            folder.display(),
            lock.display()
        )
    );
    drop(held);
    assert!(
        lock_folders(&files, (Duration::ZERO, &|| None), &mut |_, _| panic!(
            "no wait"
        ))
        .is_ok()
    );
}

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
fn a_symbolic_link_in_the_way_is_replaced_and_its_file_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = dir.path().join("elsewhere.xml");
    fs::write(&elsewhere, b"not a report").unwrap();
    let path = dir.path().join("junit.xml");
    std::os::unix::fs::symlink(&elsewhere, &path).unwrap();
    write_atomic(&path, b"new", "the JUnit report").unwrap();
    assert!(fs::symlink_metadata(&path).unwrap().file_type().is_file());
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(fs::read(&elsewhere).unwrap(), b"not a report");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file"
    );
}

#[test]
fn a_replaced_report_is_a_new_file_and_a_reader_of_the_old_one_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    write_atomic(&path, b"old", "the JSON report").unwrap();
    let mut reader = File::open(&path).unwrap();
    write_atomic(&path, b"new", "the JSON report").unwrap();
    let mut seen = String::new();
    reader.read_to_string(&mut seen).unwrap();
    assert_eq!(seen, "old", "an open reader keeps the whole old report");
    assert_eq!(fs::read(&path).unwrap(), b"new");
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file"
    );
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
