//! Files read at load time are regular files under a size cap: FIFOs, devices, oversized PEMs and
//! folders are load errors, at once.

use super::validate_refused;
use crate::harness::*;
use crate::support::*;
use std::time::Duration;

// ---- Files read at load time are regular files under a cap --------------------------------

/// Makes a FIFO at `path` (its folder created): opening it for reading blocks until a writer
/// comes, which none does.
fn mkfifo(path: &std::path::Path) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path and a mode; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
}

/// `checks/chat.yaml` with one https check whose `tls:` is `tls` (a flow mapping).
fn check_with_tls(p: &Project, tls: &str) {
    p.write("environments/prod.yaml", "vars: {}\n");
    p.write(
        "checks/chat.yaml",
        &format!(
            "checks:\n  - name: chat\n    http: {{ url: \"https://chat.test/\", tls: {tls} }}\n    \
             expect: {{ status: 200 }}\n"
        ),
    );
}

/// The load error of a PEM file named by `key` at line `line` of `file` (column: where
/// `written` starts on that line): `what` it is.
fn pem_refused(
    p: &Project,
    file: &str,
    line: usize,
    key: &str,
    written: &str,
    what: &str,
) -> String {
    let text = p.read(file);
    let column = text
        .lines()
        .nth(line - 1)
        .and_then(|l| l.find(written))
        .expect("column")
        + 1;
    let shown = if written.starts_with('/') {
        written.to_string()
    } else {
        p.shown(&format!(
            "{}/{written}",
            file.rsplit_once('/').map_or("", |(dir, _)| dir)
        ))
    };
    format!(
        "error: {}:{line}:{column}: `{key}` `{shown}` {what}; expected a readable PEM file; \
         relative paths start at the folder of this YAML file\n",
        p.shown(file)
    )
}

const ONE_ERROR: &str = "1 error found; nothing was probed\n";

/// A FIFO named as `ca_file`: `validate` says what it is at once (before, it blocked forever
/// opening it); the harness kills a binary that hangs, so a regression fails.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_as_ca_file_is_a_load_error_at_once() {
    let p = Project::new();
    check_with_tls(&p, "{ ca_file: ../pki/ca.pem }");
    mkfifo(&p.path().join("pki/ca.pem"));
    let out = validate_refused(&p).await;
    let error = pem_refused(
        &p,
        "checks/chat.yaml",
        3,
        "ca_file",
        "../pki/ca.pem",
        "is a FIFO, not a regular file",
    );
    assert_eq!(
        out.stderr,
        format!("env prod:\n{error}{ONE_ERROR}"),
        "{out}"
    );
}

/// `/dev/zero` as the environment's `ca_file` ends at once instead of filling the memory; a
/// 2 MiB `client_cert` is past the 1 MiB cap.
#[tokio::test(flavor = "multi_thread")]
async fn a_device_and_an_oversized_pem_are_load_errors() {
    let p = Project::new();
    check_with_tls(
        &p,
        "{ client_cert: ../pki/big.pem, client_key: ../pki/client.key }",
    );
    let (chain, key) = Pki::new().valid_client_cert("conform");
    let mut big = chain.clone();
    while big.len() < 2 << 20 {
        big.push_str(&chain);
    }
    p.write("pki/big.pem", &big);
    p.write("pki/client.key", &key);
    p.write("environments/prod.yaml", "tls: { ca_file: /dev/zero }\n");
    let out = validate_refused(&p).await;
    let device = pem_refused(
        &p,
        "environments/prod.yaml",
        1,
        "ca_file",
        "/dev/zero",
        "is a character device, not a regular file",
    );
    let big = pem_refused(
        &p,
        "checks/chat.yaml",
        3,
        "client_cert",
        "../pki/big.pem",
        "is larger than 1 MiB",
    );
    assert_eq!(
        out.stderr,
        format!("env prod:\n{big}{device}2 errors found; nothing was probed\n"),
        "{out}"
    );
}

/// A FIFO among the check files, and a folder where the environment file should be: each is
/// refused by name, at once, and nothing is probed.
#[tokio::test(flavor = "multi_thread")]
async fn a_fifo_check_file_and_a_folder_environment_file_are_load_errors() {
    let server = http(|_| TestResponse::ok("up")).await;
    let p = Project::with_prod_env(server.port(), None, "");
    p.http_check("up", "up", "http://chat.test:${port}/", "{ status: 200 }");
    mkfifo(&p.path().join("checks/fifo.yaml"));
    let out = p.run(&[]).await;
    out.assert_code(2);
    out.assert_within(Duration::from_secs(5));
    let fifo = p.shown("checks/fifo.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "error: {fifo}:1:1: the file is a FIFO, not a regular file; expected a readable YAML \
             file\n{ONE_ERROR}"
        ),
        "{out}"
    );
    assert!(server.requests().is_empty());

    let q = Project::new();
    std::fs::create_dir_all(q.path().join("environments/prod.yaml")).expect("mkdir");
    q.http_check("up", "up", "http://chat.test/", "{ status: 200 }");
    let out = validate_refused(&q).await;
    let env = q.shown("environments/prod.yaml");
    assert_eq!(
        out.stderr,
        format!(
            "env prod:\nerror: {env}:1:1: the file is a directory, not a regular file; expected a readable \
             YAML file\n{ONE_ERROR}"
        ),
        "{out}"
    );
}

/// A folder named like a check file under checks/ is a folder like any other: the check files
/// in it load.
#[tokio::test(flavor = "multi_thread")]
async fn a_folder_named_like_a_check_file_is_walked() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars: {}\n");
    p.http_check(
        "x.yaml/inner",
        "inner",
        "http://chat.test/",
        "{ status: 200 }",
    );
    let out = p.list(&[]).await;
    out.assert_code(0);
    assert_eq!(
        out.stdout, "inner/inner  []  http GET http://chat.test/\n1 check for env prod\n",
        "{out}"
    );
}
