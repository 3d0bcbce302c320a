//! conform as a child process with a deadline: its CPU time and peak RSS measured.

use super::{CONFORM, Measured};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest a single conform process may run before it is killed.
const CHILD_DEADLINE: Duration = Duration::from_secs(300);

// ---- running conform and measuring it ----

pub(super) type OsArg = std::ffi::OsString;

/// How the peak RSS of a child is measured (CPU time always comes from getrusage).
pub(super) enum Timer {
    /// GNU time: `/usr/bin/time -v -o FILE`, per process.
    GnuTime,
    /// getrusage(RUSAGE_CHILDREN): the largest peak of any child waited for so far.
    Rusage,
}

impl Timer {
    pub(super) fn detect() -> Timer {
        let works = Command::new("/usr/bin/time")
            .args(["-v", "-o", "/dev/null", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if works { Timer::GnuTime } else { Timer::Rusage }
    }

    pub(super) fn describe(&self) -> &'static str {
        match self {
            Timer::GnuTime => "cpu: getrusage(RUSAGE_CHILDREN) difference; RSS: /usr/bin/time -v",
            Timer::Rusage => {
                "getrusage(RUSAGE_CHILDREN) (peak RSS: the max of all children so far)"
            }
        }
    }
}

/// Runs conform with `args`; stdout and stderr go to `<dir>/<name>.stdout|.stderr`.
pub(super) fn run_child(timer: &Timer, args: &[OsArg], dir: &Path, name: &str) -> Measured {
    std::fs::create_dir_all(dir).expect("create the workload folder");
    let stdout = std::fs::File::create(dir.join(format!("{name}.stdout"))).expect("stdout file");
    let stderr = std::fs::File::create(dir.join(format!("{name}.stderr"))).expect("stderr file");
    let time_file: PathBuf = dir.join(format!("{name}.time"));
    let mut command = match timer {
        Timer::GnuTime => {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-v").arg("-o").arg(&time_file).arg(CONFORM);
            c
        }
        Timer::Rusage => Command::new(CONFORM),
    };
    command
        .args(args)
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own process group, so that a deadline kill reaches conform under time too.
        .process_group(0);
    let before = children_usage();
    let started = Instant::now();
    let mut child = command.spawn().expect("start conform");
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel::<std::io::Result<ExitStatus>>();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(CHILD_DEADLINE) {
        Ok(status) => status.ok(),
        Err(_) => {
            eprintln!("warning: conform {name} passed the {CHILD_DEADLINE:?} deadline; killing it");
            // SAFETY: signals the process group of the child started above, nothing else.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            rx.recv().ok().and_then(Result::ok)
        }
    };
    let wall = started.elapsed();
    let _ = waiter.join();
    let after = children_usage();
    // CPU from getrusage in both cases (microseconds; time -v rounds to 10 ms): the child's
    // usage, with /usr/bin/time's own few hundred microseconds when it is the wrapper.
    let cpu = Some(after.0.saturating_sub(before.0));
    let rss_kib = match timer {
        Timer::GnuTime => parse_gnu_time(&time_file),
        Timer::Rusage => Some(after.1),
    };
    Measured {
        wall,
        cpu,
        rss_kib,
        exit: status.and_then(|s| s.code()),
    }
}

/// (user + system CPU, max RSS in KiB) of every child waited for so far.
fn children_usage() -> (Duration, u64) {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    (
        tv(usage.ru_utime) + tv(usage.ru_stime),
        usage.ru_maxrss.max(0) as u64,
    )
}

/// "Maximum resident set size (kbytes)" from `time -v` output.
fn parse_gnu_time(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok())
}
