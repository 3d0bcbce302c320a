//! A real headless browser: Debian's `chromium`, started by the test, renders the HTML report
//! and dumps the DOM after its script ran. No browser is a failure, never a skip.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The browser the tests start.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The longest a browser may take to render a page: beyond it, it is taken to hang (headless
/// Chromium now and then never exits on a loaded machine) and started again, up to [`TRIES`]
/// times.
const LIMIT: Duration = Duration::from_secs(30);

/// How many times a browser that hangs is started.
const TRIES: usize = 3;

/// The DOM of `page` (a file) opened at `#fragment` (empty for none), after its script ran.
pub(crate) fn dump_dom(page: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", page.display());
    let out = chromium(&["--dump-dom".to_string(), url]);
    assert!(
        out.contains("</html>"),
        "chromium dumped no page for {}: {out}",
        page.display()
    );
    out
}

/// A PNG screenshot of `page`, `width`×`height`, to `png`.
#[allow(dead_code)]
pub(crate) fn screenshot(page: &Path, png: &Path, width: u32, height: u32) {
    chromium(&[
        format!("--screenshot={}", png.display()),
        format!("--window-size={width},{height}"),
        format!("file://{}", page.display()),
    ]);
}

/// Runs chromium headless with `args`, isolated (its own profile, no background traffic),
/// killed after [`LIMIT`] and started again, [`TRIES`] times at most; its stdout.
fn chromium(args: &[String]) -> String {
    for _ in 1..TRIES {
        if let Some(out) = chromium_at(Path::new(CHROMIUM), args) {
            return out;
        }
    }
    chromium_at(Path::new(CHROMIUM), args).unwrap_or_else(|| {
        panic!("chromium did not finish within {LIMIT:?}, {TRIES} times: {args:?}")
    })
}

/// One run of the browser; `None` when it did not finish within [`LIMIT`] (it is killed).
fn chromium_at(browser: &Path, args: &[String]) -> Option<String> {
    if !browser.exists() {
        let ci = if std::env::var_os("CI").is_some() {
            " (CI: .ci/run installs it when missing; is this runner Debian-based?)"
        } else {
            ""
        };
        panic!(
            "the HTML report tests need a headless browser: {} is missing; install it with \
             `apt-get install chromium`{ci}",
            browser.display()
        );
    }
    let profile = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(browser);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--disable-extensions",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    // A group of its own, so that a browser that hangs is killed with its helper processes
    // (which hold its output open).
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().expect("start chromium");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut text);
        text
    });
    let started = Instant::now();
    loop {
        match child.try_wait().expect("wait for chromium") {
            Some(_) => break,
            None if started.elapsed() > LIMIT => {
                let group = format!("-{}", child.id());
                let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
                let _ = child.kill();
                let _ = child.wait();
                let _ = reader.join();
                return None;
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Some(reader.join().expect("read chromium's output"))
}

/// No browser fails the test, and says how to install one (never a skip).
#[test]
#[should_panic(
    expected = "/nonexistent/chromium is missing; install it with `apt-get install chromium`"
)]
fn a_missing_browser_fails_and_says_how_to_install_it() {
    let _ = chromium_at(
        Path::new("/nonexistent/chromium"),
        &["--version".to_string()],
    );
}
