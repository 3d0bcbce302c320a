//! `conform probe --var`: an override of `--env`'s variables points the probe elsewhere (a
//! canary); one that names no variable is refused, with "did you mean".

use super::probe;
use crate::harness::*;
use crate::support::*;

/// The target `http://${host}/health` goes to prod's host, or with `--var` to the canary:
/// asserted from both servers' side.
#[tokio::test(flavor = "multi_thread")]
async fn var_points_a_probe_at_a_canary() {
    let prod = http(|_| TestResponse::status(200)).await;
    let canary = http(|_| TestResponse::status(503)).await;
    let p = Project::new();
    p.write(
        "environments/prod.yaml",
        &format!("vars:\n  host: 127.0.0.1:{}\n", prod.port()),
    );
    let target = "http://${host}/health";
    let to_canary = format!("host=127.0.0.1:{}", canary.port());
    let args = [
        target,
        "--env",
        "prod",
        "--var",
        &to_canary,
        "--expect",
        "status: 503",
    ];
    let out = probe(&args, &p).await;
    out.assert_code_quiet(0);
    assert_eq!(canary.requests().len(), 1, "{out}");
    assert_eq!(prod.requests().len(), 0, "{out}");
    let out = probe(&[target, "--env", "prod", "--expect", "status: 200"], &p).await;
    out.assert_code_quiet(0);
    assert_eq!(prod.requests().len(), 1, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_var_that_names_no_variable_is_a_usage_error() {
    let p = Project::new();
    p.write("environments/prod.yaml", "vars:\n  host: 127.0.0.1:1\n");
    let out = probe(&["http://${host}/", "--env", "prod", "--var", "hots=x"], &p).await;
    out.assert_code(2);
    out.assert_stderr_contains(
        "--var `hots` names no variable of env `prod`; did you mean `host`? env `prod` defines: host",
    );
    let out = probe(&["http://127.0.0.1:1/", "--var", "host=x"], &p).await;
    out.assert_code(2);
    out.assert_stderr_contains(
        "--var `host` names no variable of env `none`; env `none` defines no vars",
    );
    let out = probe(&["http://127.0.0.1:1/", "--var", "novalue"], &p).await;
    out.assert_code(2);
}
