//! conform as a child process with a deadline: its CPU time and peak RSS measured.

use super::{CONFORM, Measured};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest a single conform process may run before it is killed.
const CHILD_DEADLINE: Duration = Duration::from_secs(300);

// ---- running conform and measuring it ----

pub(super) type OsArg = std::ffi::OsString;

/// How the peak RSS of a child is measured (CPU time always comes from wait4).
pub(super) enum Timer {
    /// GNU time: `/usr/bin/time -v -o FILE`, per process.
    GnuTime,
    /// wait4's own figure, which starts from the benchmark's peak (no `/usr/bin/time`).
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
            Timer::GnuTime => {
                "cpu: wait4; RSS: /usr/bin/time -v; cold walls: conform started directly"
            }
            Timer::Rusage => {
                "cpu and RSS: wait4 (RSS at least the benchmark's own peak at the spawn)"
            }
        }
    }
}

/// Runs conform with `args`, for its peak RSS: through `/usr/bin/time -v` when it is there, so
/// that the RSS is conform's alone (a process this benchmark starts directly inherits the
/// benchmark's own peak RSS as its starting peak when it execs). The wall then includes
/// `time`'s own start and fork, about 1-2 ms. stdout and stderr go to
/// `<dir>/<name>.stdout|.stderr`.
pub(super) fn run_child(timer: &Timer, args: &[OsArg], dir: &Path, name: &str) -> Measured {
    let time_file: PathBuf = dir.join(format!("{name}.time"));
    // CONFORM_BENCH_WRAP="heaptrack -o /tmp/w6" runs conform under a profiler instead.
    let wrap = std::env::var("CONFORM_BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    if let Some(program) = words.next() {
        let mut command = Command::new(program);
        command.args(words).arg(CONFORM).args(args);
        return run_command(command, dir, name);
    }
    let mut command = match timer {
        Timer::GnuTime => {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-v").arg("-o").arg(&time_file).arg(CONFORM);
            c
        }
        Timer::Rusage => Command::new(CONFORM),
    };
    command.args(args);
    let mut measured = run_command(command, dir, name);
    if let Timer::GnuTime = timer {
        measured.rss_kib = parse_gnu_time(&time_file);
    }
    measured
}

/// Runs `program` (conform, or `/bin/true` for the floor) with `args` directly, for its wall
/// from spawn to exit with nothing in between; CPU time from `wait4`, no peak RSS.
pub(super) fn run_direct(program: &Path, args: &[OsArg], dir: &Path, name: &str) -> Measured {
    let mut command = Command::new(program);
    command.args(args);
    let mut measured = run_command(command, dir, name);
    measured.rss_kib = None;
    measured
}

/// Runs `command` with a deadline, reaped with `wait4`: its wall (spawn to reaping), its exit
/// code, and its CPU time and peak RSS as `wait4` reports them for that child alone.
fn run_command(mut command: Command, dir: &Path, name: &str) -> Measured {
    std::fs::create_dir_all(dir).expect("create the workload folder");
    let stdout = std::fs::File::create(dir.join(format!("{name}.stdout"))).expect("stdout file");
    let stderr = std::fs::File::create(dir.join(format!("{name}.stderr"))).expect("stderr file");
    // A proxy of the machine's would stand between conform and the loopback server.
    for name in conform::config::model::PROXY_VARIABLES.as_flattened() {
        command.env_remove(name);
    }
    // `cargo bench` points LD_LIBRARY_PATH at its target folders and the toolchain's: the
    // dynamic loader would look for libc in each of them first (about 60 failed opens per
    // start). conform links only system libraries, and runs installed without them.
    command.env_remove("LD_LIBRARY_PATH");
    command
        .env("NO_COLOR", "1")
        .env("CI", "1")
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        // Its own process group, so that a deadline kill reaches conform under time too.
        .process_group(0);
    let started = Instant::now();
    // Never waited for through `Child`: the waiter thread reaps it with wait4.
    let child = command.spawn().expect("start conform");
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel::<Reaped>();
    let waiter = std::thread::spawn(move || {
        let _ = tx.send(reap(pid));
    });
    let reaped = match rx.recv_timeout(CHILD_DEADLINE) {
        Ok(reaped) => reaped,
        Err(_) => {
            eprintln!("warning: conform {name} passed the {CHILD_DEADLINE:?} deadline; killing it");
            // SAFETY: signals the process group of the child started above, nothing else.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
            rx.recv().expect("the waiter reports")
        }
    };
    let _ = waiter.join();
    drop(child);
    Measured {
        wall: reaped.at.duration_since(started),
        cpu: Some(reaped.cpu),
        rss_kib: Some(reaped.rss_kib),
        exit: reaped.exit,
    }
}

/// A child reaped by `wait4`: when, how it ended, and its resource usage.
struct Reaped {
    at: Instant,
    exit: Option<i32>,
    cpu: Duration,
    rss_kib: u64,
}

/// Waits for `pid` with wait4, which returns the usage of that child (and of the children it
/// waited for) alone.
fn reap(pid: libc::pid_t) -> Reaped {
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 fills the zeroed struct and the status it is given.
    let (done, usage) = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        let mut done;
        loop {
            done = libc::wait4(pid, &mut status, 0, &mut usage);
            let again = std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted;
            if done != -1 || !again {
                break;
            }
        }
        (done, usage)
    };
    let at = Instant::now();
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec.max(0) as u64) + Duration::from_micros(t.tv_usec.max(0) as u64)
    };
    let exited = done == pid && libc::WIFEXITED(status);
    Reaped {
        at,
        exit: exited.then(|| libc::WEXITSTATUS(status)),
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        rss_kib: usage.ru_maxrss.max(0) as u64,
    }
}

/// "Maximum resident set size (kbytes)" from `time -v` output.
fn parse_gnu_time(path: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse::<u64>().ok())
}
