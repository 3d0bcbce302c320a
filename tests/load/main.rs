//! Loading check and environment files: every error with its file:line:column, what was
//! expected, and all of them at once.

use conform::config::load::load_plan;
use conform::config::model::Plan;
use std::path::Path;

mod checks;
mod environments;
mod files;
mod yaml;

struct Project(tempfile::TempDir);

impl Project {
    fn new(files: &[(&str, &str)]) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        Project(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn load(&self, env: &str) -> Result<Plan, Vec<String>> {
        load_plan(self.path(), env, &getenv).map_err(|errors| {
            let prefix = format!("{}/", self.path().display());
            errors
                .iter()
                .map(|e| e.to_string().replace(&prefix, ""))
                .collect()
        })
    }
}

fn getenv(name: &str) -> Option<String> {
    match name {
        "ALB_HOST" => Some("alb.test".into()),
        "HASURA_TOKEN" => Some("tok-123".into()),
        _ => None,
    }
}

const ENV: &str = "vars: { chat_host: chat.test }\n";

fn one_file(check_yaml: &str) -> Result<Plan, Vec<String>> {
    Project::new(&[
        ("environments/prod.yaml", ENV),
        ("checks/chat.yaml", check_yaml),
    ])
    .load("prod")
}
