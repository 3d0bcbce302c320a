//! End to end: the real `conform` binary against in-process loopback servers. Each test
//! writes a project (checks/ and environments/) into a temporary folder, starts the servers it
//! needs on 127.0.0.1, runs the binary with `--dir` and asserts its exit code, its terminal
//! report and its JUnit file.
//!
//! One test binary; the modules group the tests by topic, and `harness` holds what they share.

#[path = "../support/mod.rs"]
mod support;

mod harness;

mod addresses;
mod at_time;
mod captures;
mod color;
mod coverage;
mod dns_and_tcp;
mod drift_changed;
mod dual_stack;
mod exit_codes;
mod fail_closed_http;
mod fail_closed_load;
mod fail_closed_output;
mod fail_closed_reports;
mod fail_closed_run;
mod fleet;
mod formats;
mod html_report;
mod http_behaviour;
mod init;
mod jwt;
mod list_and_validate;
mod load_errors;
mod masks;
mod needs;
mod needs_load;
mod operations;
mod output_polish;
mod pending_and_retries;
mod phenom;
mod probe;
mod proxy;
mod reach_gaps;
mod report_schema;
mod reports;
mod reproduce_shell;
mod secrets;
mod selection;
mod shell;
mod starttls;
mod tcp_dialogues;
mod tcp_unfinished;
mod tls_and_routing;
mod tls_linger;
mod tls_probe;
mod until_pass;
mod var_and_suggestions;
mod watch;
