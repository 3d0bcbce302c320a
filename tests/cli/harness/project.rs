//! A project folder in a temporary directory, and the check, environment and other files tests
//! write in it.

use super::junit::{Verdict, case, child, counts, has_child, parse, suite};
use super::run::{Output, conform};
use crate::support::*;
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// Harness: a project folder, the binary, its output.

pub(crate) struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub(crate) fn new() -> Project {
        Project {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A new project with `environments/prod.yaml` as [`Project::prod_env`] writes it.
    pub(crate) fn with_prod_env(port: u16, pki: Option<&Pki>, extra: &str) -> Project {
        let p = Project::new();
        p.prod_env(port, pki, extra);
        p
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The `--dir` argument.
    pub(crate) fn dir_arg(&self) -> String {
        self.path().display().to_string()
    }

    /// Writes `text` to `rel` under the project, creating folders.
    pub(crate) fn write(&self, rel: &str, text: &str) -> &Project {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        self
    }

    /// `environments/prod.yaml`: `port` as a var, `chat.test` resolved to 127.0.0.1, and (when
    /// given) the test CA as a trust root; `extra` is appended as more top-level keys.
    pub(crate) fn prod_env(&self, port: u16, pki: Option<&Pki>, extra: &str) -> &Project {
        self.prod_env_vars(&[("port", port)], pki, extra)
    }

    /// Like `prod_env`, with several port variables.
    pub(crate) fn prod_env_vars(
        &self,
        vars: &[(&str, u16)],
        pki: Option<&Pki>,
        extra: &str,
    ) -> &Project {
        let vars: Vec<String> = vars.iter().map(|(k, v)| format!("{k}: \"{v}\"")).collect();
        let text = format!(
            "vars: {{ {} }}\nresolve: {{ chat.test: 127.0.0.1 }}\n",
            vars.join(", ")
        );
        self.env(&text, pki, extra)
    }

    /// `environments/prod.yaml`: `head`, then (when given) the test CA as a trust root (written
    /// to `environments/ca.pem`), then `tail`.
    pub(crate) fn env(&self, head: &str, pki: Option<&Pki>, tail: &str) -> &Project {
        let mut text = head.to_string();
        if let Some(pki) = pki {
            self.write("environments/ca.pem", &pki.ca_pem());
            text.push_str("tls: { ca_file: ca.pem }\n");
        }
        text.push_str(tail);
        self.write("environments/prod.yaml", &text)
    }

    /// `checks/<suite>.yaml` with one http check: `name`, a GET of `url`, and `expect` (a flow
    /// mapping such as `{ status: 200 }`). The check starts on line 2.
    pub(crate) fn http_check(&self, suite: &str, name: &str, url: &str, expect: &str) -> &Project {
        self.write(
            &format!("checks/{suite}.yaml"),
            &format!(
                "checks:\n  - name: {name}\n    http: {{ url: \"{url}\" }}\n    expect: {expect}\n"
            ),
        )
    }

    /// A client identity as `pki/client.pem` and `pki/client.key`, the files
    /// `client_cert: ../pki/client.pem` and `client_key: ../pki/client.key` of a check name.
    pub(crate) fn client_identity(&self, chain: &str, key: &str) -> &Project {
        self.write("pki/client.pem", chain);
        self.write("pki/client.key", key)
    }

    /// `at <file>:<line>`, the first detail line of a check, for the file `rel` names.
    pub(crate) fn at(&self, rel: &str, line: usize) -> String {
        format!("at {}:{line}", self.shown(rel))
    }

    /// The file a check file names, as the binary reports it (`--dir` joined).
    pub(crate) fn shown(&self, rel: &str) -> String {
        self.path().join(rel).display().to_string()
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel))
            .unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
    }

    pub(crate) fn junit(&self) -> String {
        self.read("reports/junit.xml")
    }

    /// (tests, failures, errors, skipped) of testsuite `name` in `reports/junit.xml`.
    pub(crate) fn junit_counts(&self, name: &str) -> [String; 4] {
        let xml = self.junit();
        let doc = parse(&xml);
        counts(suite(&doc, name)).map(String::from)
    }

    /// Whether testcase `name` in `reports/junit.xml` has a `<tag>` child.
    pub(crate) fn junit_case_has(&self, name: &str, tag: &str) -> bool {
        let xml = self.junit();
        let doc = parse(&xml);
        has_child(case(&doc, name), tag)
    }

    /// The `<tag>` (`failure`, `error`, `skipped`...) of testcase `name` in `reports/junit.xml`.
    #[track_caller]
    pub(crate) fn verdict(&self, name: &str, tag: &str) -> Verdict {
        let xml = self.junit();
        let (kind, message, text) = {
            let doc = parse(&xml);
            let node = child(case(&doc, name), tag);
            (
                node.attribute("type").map(String::from),
                node.attribute("message").map(String::from),
                node.text().unwrap_or_default().to_string(),
            )
        };
        Verdict {
            kind,
            message,
            text,
            xml,
        }
    }

    /// `conform run --dir <project> <args>`.
    pub(crate) async fn run(&self, args: &[&str]) -> Output {
        self.run_with_env(args, &[]).await
    }

    pub(crate) async fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        self.command("run", args, env).await
    }

    /// `conform list --dir <project> <args>`.
    pub(crate) async fn list(&self, args: &[&str]) -> Output {
        self.command("list", args, &[]).await
    }

    /// `conform validate --dir <project> <args>`.
    pub(crate) async fn validate(&self, args: &[&str]) -> Output {
        self.command("validate", args, &[]).await
    }

    /// `conform <command> --dir <project> <args>`, with `env` set.
    pub(crate) async fn command(
        &self,
        command: &str,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        let dir = self.dir_arg();
        let mut all = vec![command, "--dir", dir.as_str()];
        all.extend_from_slice(args);
        conform(&all, env, None).await
    }
}
