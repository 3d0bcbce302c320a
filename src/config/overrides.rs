//! `--var NAME=VALUE`: values given on the command line for the environment's `vars:`, the
//! highest precedence (point a suite at a canary without editing a file).
//!
//! A `--var` may only override a variable the environment defines: a misspelt name that
//! silently changed nothing would run the suite against the usual target and pass, the very
//! false green an override is meant to avoid. A value is taken as given (no `${...}` is
//! resolved in it); when the variable it replaces holds a secret, the new value is a secret
//! too.

use super::model::{Environment, Secrets, VarValue};
use crate::syntax::diag::suggest;

/// One `--var NAME=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VarOverride {
    pub name: String,
    pub value: String,
}

impl std::str::FromStr for VarOverride {
    type Err = String;

    /// `NAME=VALUE`; the value may be empty and may hold `=`, the name may not be empty.
    fn from_str(s: &str) -> Result<VarOverride, String> {
        let Some((name, value)) = s.split_once('=') else {
            return Err(format!(
                "`{s}` has no `=`; expected NAME=VALUE, e.g. --var host=canary.example.com"
            ));
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(
                "the variable's name is empty; expected NAME=VALUE, e.g. --var host=canary.example.com"
                    .into(),
            );
        }
        Ok(VarOverride {
            name: name.to_string(),
            value: value.to_string(),
        })
    }
}

/// Puts each override that names one of `env`'s variables in its place (the last one wins
/// when a name is given twice). An override of a variable that held a secret is a secret.
/// Overrides of names the environment does not define are left for [`unknown_overrides`].
pub fn apply_overrides(env: &mut Environment, overrides: &[VarOverride], secrets: &mut Secrets) {
    for o in overrides {
        let Some(old) = env.vars.get(&o.name) else {
            continue;
        };
        let held_secret = match old {
            VarValue::Value(v) => secrets.redact(v) != *v,
            VarValue::Missing(_) => false,
        };
        if held_secret && !o.value.is_empty() {
            secrets.insert(&o.name, &o.value);
        }
        env.vars
            .insert(o.name.clone(), VarValue::Value(o.value.clone()));
    }
}

/// One message per `--var` that names no variable of `env`, with "did you mean".
pub fn unknown_overrides(env: &Environment, overrides: &[VarOverride]) -> Vec<String> {
    let names: Vec<&str> = env.vars.keys().map(String::as_str).collect();
    let mut out: Vec<String> = Vec::new();
    for o in overrides {
        if env.vars.contains_key(&o.name) {
            continue;
        }
        let defined = if names.is_empty() {
            format!("env `{}` defines no vars", env.name)
        } else {
            format!("env `{}` defines: {}", env.name, names.join(", "))
        };
        let hint = suggest(&o.name, &names)
            .map(|s| format!("did you mean `{s}`? "))
            .unwrap_or_default();
        let message = format!(
            "--var `{}` names no variable of env `{}`; {hint}{defined}",
            o.name, env.name
        );
        if !out.contains(&message) {
            out.push(message);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        let mut env = Environment::named("prod");
        env.vars
            .insert("host".into(), VarValue::Value("prod.test".into()));
        env.vars
            .insert("token".into(), VarValue::Value("s3cr3t-token".into()));
        env.vars
            .insert("port".into(), VarValue::Missing("`PORT` is not set".into()));
        env
    }

    fn var(s: &str) -> VarOverride {
        s.parse().expect("a var")
    }

    #[test]
    fn parses_name_equals_value() {
        assert_eq!(
            var("host=a=b"),
            VarOverride {
                name: "host".into(),
                value: "a=b".into()
            }
        );
        assert_eq!(var("host=").value, "");
        assert_eq!(
            "host".parse::<VarOverride>().unwrap_err(),
            "`host` has no `=`; expected NAME=VALUE, e.g. --var host=canary.example.com"
        );
        assert_eq!(
            "=x".parse::<VarOverride>().unwrap_err(),
            "the variable's name is empty; expected NAME=VALUE, e.g. --var host=canary.example.com"
        );
    }

    #[test]
    fn overrides_replace_values_and_keep_secrets_secret() {
        let mut env = env();
        let mut secrets = Secrets::default();
        secrets.insert("TOKEN", "s3cr3t-token");
        let overrides = [
            var("host=first.test"),
            var("host=canary.test"),
            var("port=8443"),
            var("token=other-token-value"),
            var("hots=x"),
        ];
        apply_overrides(&mut env, &overrides, &mut secrets);
        assert_eq!(env.vars["host"], VarValue::Value("canary.test".into()));
        assert_eq!(env.vars["port"], VarValue::Value("8443".into()));
        assert!(!env.vars.contains_key("hots"));
        assert_eq!(secrets.redact("canary.test"), "canary.test");
        assert!(
            !secrets
                .redact("a other-token-value")
                .contains("other-token-value")
        );
        assert_eq!(
            unknown_overrides(&env, &overrides),
            [
                "--var `hots` names no variable of env `prod`; did you mean `host`? env `prod` \
              defines: host, port, token"
            ]
        );
        assert_eq!(
            unknown_overrides(&Environment::named("dev"), &[var("zz=1"), var("zz=2")]),
            ["--var `zz` names no variable of env `dev`; env `dev` defines no vars"]
        );
    }
}
