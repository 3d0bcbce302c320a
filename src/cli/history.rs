//! Reading JSON reports back: `--baseline`, the shards of `merge`, and `--history DIR|GLOB`,
//! the earlier reports of the HTML report's grid (read before a run probes, so that a bad one
//! stops it at once).

use super::*;

/// The reports `--history` names, in the order found (the page orders them by start time).
/// A folder gives its `*.json` files; a glob (`*`, `?` in the file name) the files of its
/// folder that match; a plain path, that one file. Nothing matching is no history, said on
/// stderr; a folder or file that does not exist, or a file that is not a conform JSON report,
/// is an error.
pub(super) fn read_history(spec: &str) -> Result<Vec<JsonReport>, Refusal> {
    let paths = history_paths(spec).map_err(|e| {
        Refusal::with_hint(
            &format!("--history {spec}: {e}"),
            "give --history a folder of earlier JSON reports or a glob such as \
             'history/*.json'",
        )
    })?;
    if paths.is_empty() {
        eprintln!("note: --history {spec} holds no JSON reports; the grid shows this run only");
    }
    let mut reports = Vec::with_capacity(paths.len());
    for path in paths {
        match read_report(&path) {
            Ok(report) => reports.push(report),
            Err(e) => {
                return Err(Refusal::with_hint(
                    &format!("--history: {e}"),
                    "remove it from the history, or narrow --history to conform's JSON reports",
                ));
            }
        }
    }
    Ok(reports)
}

fn history_paths(spec: &str) -> Result<Vec<PathBuf>, String> {
    let path = Path::new(spec);
    if path.is_dir() {
        return matching(path, "*.json");
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains(['*', '?']) {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if dir.to_string_lossy().contains(['*', '?']) {
            return Err("only the file name may hold * or ?, not its folder".into());
        }
        if !dir.is_dir() {
            return Err(format!("the folder {} does not exist", dir.display()));
        }
        return matching(dir, &name);
    }
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    Err("no such folder or file".into())
}

/// The files of `dir` whose name matches `pattern`, sorted by name.
fn matching(dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| crate::cli::select::glob(pattern, &e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    paths.sort();
    Ok(paths)
}

/// The most conform reads of a JSON report (`--baseline`, `merge`): far above any real run's.
const REPORT_CAP: u64 = 512 << 20;

/// Reads a JSON report: a regular file (a FIFO or a device is refused, never waited on or
/// read without end) of at most [`REPORT_CAP`].
pub(super) fn read_report(path: &Path) -> Result<JsonReport, String> {
    use crate::syntax::file::{FileError, read_capped};
    let bytes = read_capped(path, REPORT_CAP).map_err(|e| match e {
        FileError::Io(e) => format!("cannot read the report {}: {e}", path.display()),
        other => format!("cannot read the report {}: it {other}", path.display()),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| {
        format!(
            "cannot read the report {}: it is not UTF-8 text",
            path.display()
        )
    })?;
    JsonReport::parse(&text, path)
}
