//! The Phenom team's real checks (checks/*.yaml) and environments (environments/*.yaml) of this
//! repository, run whole against in-process stand-ins on loopback that behave as the seeds say:
//! one HTTPS edge for chat, nest, api, nest-firebase and Cognito (routed on the Host header),
//! the raw origin load balancer (mTLS on its TLS port, a redirect on its plain one), and an
//! authoritative DNS server for `thephenom.app.`. Then the same stand-ins drifted in every
//! claim at once, and exactly the drifted checks fail, each with its own first mismatch.
//!
//! The YAML is read from the repository at test time (never copied into this file) into a
//! temporary project, with one more environment, `standin`: named `prod` (so that
//! `envs: [prod]` checks run), extending prod, and routing every name to 127.0.0.1 (`resolve:`
//! for http and tls, the test DNS server as the only resolver). No real name is resolved by
//! the system and nothing leaves the machine.

use crate::harness::*;
use crate::support::dns_server::DnsServer;
use crate::support::*;
use std::collections::BTreeSet;
use std::path::Path;
use time::OffsetDateTime;

mod accounts;
mod auth;
mod auth_leaks;
mod auth_selection;
mod drift;
mod drifted;
mod html;
mod standins;
mod suite;

// ---- what the seeds say ---------------------------------------------------------------------

const CHAT: &str = "chat.thephenom.app";
const NEST: &str = "nest.thephenom.app";
const API: &str = "api.thephenom.app";
const NEST_FIREBASE: &str = "nest-firebase.thephenom.app";
const COGNITO: &str = "cognito-idp.us-east-1.amazonaws.com";

/// The raw origin load balancer: not in the seeds, so the environment names it.
const ALB: &str = "alb.standin.test";

/// Where the chat root and non-client paths send visitors (seed 001).
const TRY_URL: &str = "https://try.thephenom.app";
/// The prod and staging Cognito pools (seeds 000, 002, 003).
const PROD_POOL: &str = "us-east-1_knEL7cqS3";
const STAGING_POOL: &str = "us-east-1_n8gO6SbP6";

/// The ID `#internal` points at once it drifts: the Analysts room's.
const DRIFTED_INTERNAL: &str = "!NvNAXrFhqFBZXUtEkU";

/// The values prod takes from the process environment: removed from every run here, so that
/// the shell running the tests cannot change what they see.
const PROD_VALUES: [&str; 3] = [
    "PHENOM_PROD_ALB_HOST",
    "PHENOM_ORIGIN_CLIENT_CERT",
    "PHENOM_ORIGIN_CLIENT_KEY",
];

/// The check the whole suite leaves pending: the WAF is still in COUNT mode (seed 001).
const WAF: &str = "chat/the-waf-blocks-anonymous-hasura-admin-paths";

/// Checks of checks/*.yaml found wrong against the seeds (id, its one-line message): the
/// tests expect them to fail until they are fixed. None today.
const WRONG_AGAINST_THE_SEEDS: &[(&str, &str)] = &[];

// ---- drift ----------------------------------------------------------------------------------

/// Which claims the stand-ins break. Each switch breaks one claim of the seeds, and each
/// breaks checks of its own, none of another's (`each_drift_alone_breaks_only_its_own_checks`),
/// so that all on at once every drifted claim is seen.
#[derive(Clone, Copy, Debug, Default)]
struct Drift {
    /// The chat root and non-client paths answer 200 instead of redirecting to the app.
    root_open: bool,
    /// `/_synapse/admin` and below are served (200).
    admin_served: bool,
    /// `/_matrix/client/versions` is redirected (302) like a non-client path.
    versions_redirected: bool,
    /// Chat answers without Cloudflare's `server` and `cf-ray` headers.
    chat_unproxied: bool,
    /// The chat certificate has five days left (another server certificate).
    short_cert: bool,
    /// Login offers SSO and token flows, no `org.matrix.login.jwt`.
    login_without_jwt: bool,
    /// Registration answers 200 with a new user.
    registration_open: bool,
    /// whoami answers 200 without a token.
    whoami_open: bool,
    /// Anonymous introspection of Hasura (chat's `/v1/graphql` and api's) shows `users`.
    hasura_leaks_users: bool,
    /// An anonymous `{ users { id } }` returns data.
    table_query_answers: bool,
    /// The N.E.S.T. SPA (`/`, `/sign-in`) is behind Cloudflare Access again.
    nest_behind_access: bool,
    /// `/api/*` answers 200 without a bearer.
    nest_api_open: bool,
    /// `/api/*` answers 200 to any valid token, nest-access or not (the group check dropped).
    nest_gate_ignores_groups: bool,
    /// Hasura shows a signed-in user every row of `users` (row-level security dropped).
    hasura_rows_unfiltered: bool,
    /// nest-firebase serves its snapshot to anyone (no Access).
    nest_firebase_open: bool,
    /// The prod pool's discovery document names the staging pool as issuer.
    cognito_wrong_issuer: bool,
    /// The prod pool publishes no signing keys.
    jwks_empty: bool,
    /// Seed 004's SPA client does not exist in the prod pool.
    seed_004_client_missing: bool,
    /// `#internal` points at the Analysts room.
    internal_alias_moved: bool,
    /// The raw origin accepts a client without a certificate.
    alb_anonymous_accepted: bool,
    /// The raw origin's port 80 serves a page (200) instead of redirecting.
    alb_plaintext_served: bool,
    /// chat's A record is a private address (10.0.0.0/8): DNS-only, not proxied.
    chat_a_private: bool,
    /// The retired nest-prod name resolves again.
    retired_name_back: bool,
    /// The WAF rule on Hasura admin paths blocks (403 from Cloudflare): the pending check
    /// now passes.
    waf_blocks: bool,
}

impl Drift {
    /// Every claim wrong at once.
    fn all() -> Drift {
        let mut drift = Drift::default();
        for (_, turn_on) in SWITCHES {
            turn_on(&mut drift);
        }
        drift
    }

    /// Only the switch named `name`.
    fn only(name: &str) -> Drift {
        let (_, turn_on) = SWITCHES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no switch {name}"));
        let mut drift = Drift::default();
        turn_on(&mut drift);
        drift
    }
}

/// A switch of [`Drift`]: its name, and how it is turned on.
type Switch = (&'static str, fn(&mut Drift));

/// Every switch of [`Drift`].
const SWITCHES: [Switch; 24] = [
    ("root_open", |d| d.root_open = true),
    ("admin_served", |d| d.admin_served = true),
    ("versions_redirected", |d| d.versions_redirected = true),
    ("chat_unproxied", |d| d.chat_unproxied = true),
    ("short_cert", |d| d.short_cert = true),
    ("login_without_jwt", |d| d.login_without_jwt = true),
    ("registration_open", |d| d.registration_open = true),
    ("whoami_open", |d| d.whoami_open = true),
    ("hasura_leaks_users", |d| d.hasura_leaks_users = true),
    ("table_query_answers", |d| d.table_query_answers = true),
    ("nest_behind_access", |d| d.nest_behind_access = true),
    ("nest_api_open", |d| d.nest_api_open = true),
    ("nest_gate_ignores_groups", |d| {
        d.nest_gate_ignores_groups = true
    }),
    ("hasura_rows_unfiltered", |d| {
        d.hasura_rows_unfiltered = true
    }),
    ("nest_firebase_open", |d| d.nest_firebase_open = true),
    ("cognito_wrong_issuer", |d| d.cognito_wrong_issuer = true),
    ("jwks_empty", |d| d.jwks_empty = true),
    ("seed_004_client_missing", |d| {
        d.seed_004_client_missing = true
    }),
    ("internal_alias_moved", |d| d.internal_alias_moved = true),
    ("alb_anonymous_accepted", |d| {
        d.alb_anonymous_accepted = true
    }),
    ("alb_plaintext_served", |d| d.alb_plaintext_served = true),
    ("chat_a_private", |d| d.chat_a_private = true),
    ("retired_name_back", |d| d.retired_name_back = true),
    ("waf_blocks", |d| d.waf_blocks = true),
];

// ---- the stand-ins --------------------------------------------------------------------------

/// Every server the checks reach, and the files the project needs from them.
struct StandIns {
    edge: TestServer,
    alb_tls: TestServer,
    alb_http: TestServer,
    dns: DnsServer,
    ca_pem: String,
    origin_cert: (String, String),
    /// When the edge's certificate ends (a whole second).
    edge_cert_end: OffsetDateTime,
    /// The prod pool's token issuer (the edge answers Cognito's sign-ins with it).
    issuer: Issuer,
}

/// This repository: its checks/ and environments/ are what the tests run.
fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A project made of the repository's checks, environments and claims as they are now, the stand-in
/// environment, and the test PKI's files under `pki/`.
fn phenom_project(s: &StandIns) -> Project {
    let p = Project::new();
    for folder in ["checks", "environments"] {
        let entries = std::fs::read_dir(repository().join(folder))
            .unwrap_or_else(|e| panic!("cannot read {folder}/ of the repository: {e}"));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_file() {
                let name = path.file_name().expect("a file name").to_string_lossy();
                let text = std::fs::read_to_string(&path).expect("a text file");
                p.write(&format!("{folder}/{name}"), &text);
            }
        }
    }
    // The checks name the claims of claims.yaml, which must come along.
    let claims = std::fs::read_to_string(repository().join("claims.yaml"))
        .unwrap_or_else(|e| panic!("cannot read claims.yaml of the repository: {e}"));
    p.write("claims.yaml", &claims);
    let https = s.edge.port();
    p.write(
        "environments/standin.yaml",
        &format!(
            r#"# Every name of prod routed to the stand-ins on 127.0.0.1.
name: prod
extends: prod
vars: {{ alb_host: {ALB}, origin_client_cert: ../pki/origin.pem, origin_client_key: ../pki/origin.key }}
resolve:
  "{CHAT}": "127.0.0.1:{https}"
  "{NEST}": "127.0.0.1:{https}"
  "{API}": "127.0.0.1:{https}"
  "{NEST_FIREBASE}": "127.0.0.1:{https}"
  "{COGNITO}": "127.0.0.1:{https}"
  "{ALB}:443": "127.0.0.1:{alb_tls}"
  "{ALB}:80": "127.0.0.1:{alb_http}"
resolvers: ["{dns}"]
tls: {{ ca_file: ../pki/ca.pem }}
defaults: {{ timeout: 3s, retries: 0 }}
"#,
            alb_tls = s.alb_tls.port(),
            alb_http = s.alb_http.port(),
            dns = s.dns.addr(),
        ),
    );
    p.write("pki/ca.pem", &s.ca_pem);
    p.write("pki/origin.pem", &s.origin_cert.0);
    p.write("pki/origin.key", &s.origin_cert.1);
    p
}

// ---- running the binary ---------------------------------------------------------------------

/// Runs `conform <args>` (NO_COLOR=1) without the values prod takes from the process
/// environment, whatever the shell that runs the tests sets.
/// The test accounts are set to the stand-ins' ([`accounts::ACCOUNT_VALUES`]).
async fn phenom(args: &[&str]) -> Output {
    phenom_with(args, &[]).await
}

/// [`phenom`] with these account values changed: `None` unsets one.
async fn phenom_with(args: &[&str], accounts: &[(&str, Option<&str>)]) -> Output {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut values: Vec<(String, Option<String>)> = accounts::ACCOUNT_VALUES
        .iter()
        .map(|(name, value)| (name.to_string(), Some(value.to_string())))
        .collect();
    for (name, value) in accounts {
        let slot = values.iter_mut().find(|(n, _)| n == name);
        let slot = slot.unwrap_or_else(|| panic!("no account value {name}"));
        slot.1 = value.map(String::from);
    }
    tokio::task::spawn_blocking(move || run_without_prod_values(&args, &values))
        .await
        .expect("the runner thread")
}

fn run_without_prod_values(args: &[String], accounts: &[(String, Option<String>)]) -> Output {
    let mut command = crate::harness::conform_command();
    command.args(args).env("NO_COLOR", "1");
    for name in PROD_VALUES {
        command.env_remove(name);
    }
    for (name, value) in accounts {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    run_bounded(command, args)
}

/// `conform list --env standin --dir <dir> <filters>`: the ids of the plan, in its order.
async fn listed(dir: &str, filters: &[&str]) -> Vec<String> {
    let mut args = vec!["list", "--env", "standin", "--dir", dir];
    args.extend_from_slice(filters);
    let out = phenom(&args).await;
    out.assert_code_quiet(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let (last, plan) = lines.split_last().expect("a closing line");
    assert_eq!(
        *last,
        format!("{} checks for env prod", plan.len()),
        "{out}"
    );
    assert!(
        plan.iter().all(|l| !l.contains("needs values not set")),
        "the stand-in environment sets every value:\n{out}"
    );
    plan.iter()
        .map(|l| l.split("  ").next().expect("an id").to_string())
        .collect()
}

async fn run_standin(p: &Project, filters: &[&str]) -> Output {
    run_standin_with(p, filters, &[]).await
}

/// [`run_standin`] with these account values changed (see [`phenom_with`]).
async fn run_standin_with(
    p: &Project,
    filters: &[&str],
    accounts: &[(&str, Option<&str>)],
) -> Output {
    let dir = p.dir_arg();
    let mut args = vec!["run", "--env", "standin", "--dir", dir.as_str()];
    args.extend_from_slice(filters);
    phenom_with(&args, accounts).await
}

/// Asserts the details of a check that is wrong against the seeds: its one-line message.
#[track_caller]
fn assert_wrong_checks(out: &Output) {
    for (id, message) in WRONG_AGAINST_THE_SEEDS {
        let (label, _, _) = out
            .checks()
            .into_iter()
            .find(|(_, i, _)| i == id)
            .unwrap_or_else(|| panic!("{id} did not run:\n{out}"));
        assert_eq!(
            label, "FAIL",
            "{id} now passes against the seeds' stand-ins: remove it from \
             WRONG_AGAINST_THE_SEEDS\n{out}"
        );
        assert_eq!(out.details_of(id)[1], *message, "{out}");
    }
}

/// The ids of `WRONG_AGAINST_THE_SEEDS`.
fn wrong_ids() -> BTreeSet<&'static str> {
    WRONG_AGAINST_THE_SEEDS.iter().map(|(id, _)| *id).collect()
}

/// What a drifted check shows first: the one-line message, then the first mismatch as
/// field, expected and actual; `more` is how many mismatches follow it.
struct Drifted {
    /// The [`Drift`] switch that breaks it.
    switch: &'static str,
    id: &'static str,
    field: &'static str,
    expected: String,
    actual: String,
    more: usize,
}
