//! Variables in check and environment files: `${name}` (the environment's vars),
//! `${env:NAME}` and `${env:NAME:-default}` (the process environment), `${secret:NAME}`
//! (likewise, and never shown), and `$${` for a literal `${`.

use super::model::{Secrets, VarValue};
use crate::syntax::diag::suggest;
use std::collections::BTreeMap;

/// What stands for a value the process environment does not set, while loading goes on:
/// a name that can never resolve, so that it is never probed by mistake.
pub const UNSET: &str = "unset.invalid";

/// Where variable values come from.
pub struct VarSource<'a> {
    /// The environment's `vars`, already resolved. `None` in environment files themselves,
    /// where only `${env:..}` and `${secret:..}` are allowed.
    pub vars: Option<&'a BTreeMap<String, VarValue>>,
    /// Reads the process environment (a closure so tests need not touch the real one).
    pub getenv: &'a dyn Fn(&str) -> Option<String>,
}

/// Why a text could not be resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum VarError {
    /// A mistake in the file: an unknown variable or bad syntax.
    Invalid { message: String, expected: String },
    /// A value the process environment does not give; only an error for checks that run.
    /// `text` is the text with [`UNSET`] in its place, so that loading can go on.
    Missing {
        message: String,
        expected: String,
        text: String,
    },
}

/// The text with every variable replaced. Secret values met on the way go into `secrets`.
/// Stops at the first invalid variable. A value the process environment does not set is
/// replaced by [`UNSET`] and reported as [`VarError::Missing`], with the first one's message.
pub fn interpolate(text: &str, src: &VarSource, secrets: &mut Secrets) -> Result<String, VarError> {
    if !text.contains('$') {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut missing = None;
    let mut rest = text;
    // Where secrets went, so that short values are known in their surroundings.
    let mut substituted: Vec<(String, usize, usize)> = Vec::new();
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            rest = tail;
            continue;
        }
        if !after.starts_with("${") {
            out.push('$');
            rest = &after[1..];
            continue;
        }
        let Some(end) = after.find('}') else {
            return Err(VarError::Invalid {
                message: format!("`{after}` opens a variable that is never closed"),
                expected: "expected `${name}`; write `$${` for a literal `${`".into(),
            });
        };
        let inner = &after[2..end];
        rest = &after[end + 1..];
        match resolve_one(inner, src, secrets)? {
            VarValue::Value(v) => {
                if let Some(spec) = inner.strip_prefix("secret:") {
                    let name = spec.split_once(":-").map_or(spec, |(n, _)| n);
                    substituted.push((name.to_string(), out.len(), out.len() + v.len()));
                }
                out.push_str(&v);
            }
            VarValue::Missing(why) => {
                out.push_str(UNSET);
                missing.get_or_insert(why);
            }
        }
    }
    out.push_str(rest);
    for (name, start, end) in substituted {
        secrets.note_substitution(&name, &out, start, end);
    }
    match missing {
        Some(message) => Err(VarError::Missing {
            message,
            expected:
                "set it in the environment that runs conform, or give a default: ${env:NAME:-value}"
                    .into(),
            text: out,
        }),
        None => Ok(out),
    }
}

fn resolve_one(inner: &str, src: &VarSource, secrets: &mut Secrets) -> Result<VarValue, VarError> {
    let (kind, spec) = match inner.split_once(':') {
        Some(("capture", spec)) => return capture_placeholder(inner, spec, src),
        Some(("env", spec)) => ("env", spec),
        Some(("secret", spec)) => ("secret", spec),
        _ => ("var", inner),
    };
    if kind == "var" {
        return lookup_var(inner, src);
    }
    let (name, default) = match spec.split_once(":-") {
        Some((n, d)) => (n, Some(d)),
        None => (spec, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(VarError::Invalid {
            message: format!("`${{{inner}}}` does not name an environment variable"),
            expected: format!(
                "expected `${{{kind}:NAME}}` with NAME made of letters, digits and _"
            ),
        });
    }
    let value = match ((src.getenv)(name), default) {
        (Some(v), _) => v,
        (None, Some(d)) => d.to_string(),
        (None, None) => {
            let what = if kind == "secret" {
                "secret"
            } else {
                "environment variable"
            };
            return Ok(VarValue::Missing(format!(
                "{what} `{name}` is not set (needed by `${{{inner}}}`)"
            )));
        }
    };
    if kind == "secret" {
        secrets.insert(name, &value);
    }
    Ok(VarValue::Value(value))
}

/// `${capture:ID.NAME}`: the placeholder the run fills with the value (see
/// [`super::model::placeholder`]); only in check files.
fn capture_placeholder(inner: &str, spec: &str, src: &VarSource) -> Result<VarValue, VarError> {
    if src.vars.is_none() {
        return Err(VarError::Invalid {
            message: format!(
                "`${{{inner}}}` in an environment file: captures exist only in checks"
            ),
            expected: "expected `${capture:ID.NAME}` in a check that `needs` check ID".into(),
        });
    }
    match parse_capture(spec) {
        Some((id, name)) => Ok(VarValue::Value(super::model::placeholder(id, name))),
        None => Err(VarError::Invalid {
            message: format!("`${{{inner}}}` does not name a capture"),
            expected: "expected `${capture:ID.NAME}`: the id of a check in `needs`, a dot, and the name of one of its captures".into(),
        }),
    }
}

/// `ID.NAME` of `${capture:ID.NAME}`: split at the last dot; NAME is letters, digits and `_`.
pub fn parse_capture(spec: &str) -> Option<(&str, &str)> {
    let (id, name) = spec.rsplit_once('.')?;
    let name_ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (name_ok && !id.is_empty() && !id.chars().any(char::is_whitespace)).then_some((id, name))
}

fn lookup_var(name: &str, src: &VarSource) -> Result<VarValue, VarError> {
    let Some(vars) = src.vars else {
        return Err(VarError::Invalid {
            message: format!(
                "`${{{name}}}` refers to a variable, but environment files can only use `${{env:NAME}}` and `${{secret:NAME}}`"
            ),
            expected: "expected `${env:NAME}`, `${env:NAME:-default}` or `${secret:NAME}`".into(),
        });
    };
    match vars.get(name) {
        Some(v) => Ok(v.clone()),
        None => {
            let names: Vec<&str> = vars.keys().map(|k| k.as_str()).collect();
            let expected = match suggest(name, &names) {
                Some(s) => format!(
                    "did you mean `${{{s}}}`? the environment's vars are: {}",
                    names.join(", ")
                ),
                None if names.is_empty() => {
                    "the environment defines no vars; add it under `vars:` in the environment file"
                        .into()
                }
                None => format!("the environment's vars are: {}", names.join(", ")),
            };
            Err(VarError::Invalid {
                message: format!("unknown variable `${{{name}}}`"),
                expected,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, VarValue> {
        let mut v = BTreeMap::new();
        v.insert("chat_host".to_string(), VarValue::Value("chat.test".into()));
        v.insert(
            "alb".to_string(),
            VarValue::Missing("environment variable `ALB` is not set".into()),
        );
        v
    }

    fn getenv(name: &str) -> Option<String> {
        match name {
            "TOKEN" => Some("s3cr3t".into()),
            "HOME" => Some("/root".into()),
            "PIN" => Some("ab".into()),
            _ => None,
        }
    }

    fn run(text: &str) -> (Result<String, VarError>, Secrets) {
        let v = vars();
        let src = VarSource {
            vars: Some(&v),
            getenv: &getenv,
        };
        let mut secrets = Secrets::default();
        (interpolate(text, &src, &mut secrets), secrets)
    }

    #[test]
    fn replaces_every_kind() {
        assert_eq!(
            run("https://${chat_host}/").0,
            Ok("https://chat.test/".into())
        );
        assert_eq!(run("${env:HOME}/x").0, Ok("/root/x".into()));
        assert_eq!(run("${env:NOPE:-fallback}").0, Ok("fallback".into()));
        assert_eq!(run("${env:NOPE:-}").0, Ok("".into()));
        assert_eq!(
            run("price: $5 and $${literal}").0,
            Ok("price: $5 and ${literal}".into())
        );
        let (r, secrets) = run("Bearer ${secret:TOKEN}");
        assert_eq!(r, Ok("Bearer s3cr3t".into()));
        assert_eq!(secrets.redact("x s3cr3t y"), "x [redacted:TOKEN] y");
    }

    #[test]
    fn a_short_secret_is_known_where_it_was_substituted() {
        let (r, secrets) = run("x${secret:PIN}1 and ${secret:PIN}");
        assert_eq!(r, Ok("xab1 and ab".into()));
        assert_eq!(
            secrets.redact("got xab1 and ab, table"),
            "got x[redacted:PIN]1 and [redacted:PIN], table"
        );
    }

    #[test]
    fn unknown_variables_suggest() {
        let (r, _) = run("https://${chat_hots}/");
        assert_eq!(
            r,
            Err(VarError::Invalid {
                message: "unknown variable `${chat_hots}`".into(),
                expected: "did you mean `${chat_host}`? the environment's vars are: alb, chat_host"
                    .into()
            })
        );
    }

    #[test]
    fn missing_values_are_soft() {
        let (r, _) = run("${secret:NOPE}");
        assert!(
            matches!(r, Err(VarError::Missing { ref message, .. }) if message == "secret `NOPE` is not set (needed by `${secret:NOPE}`)"),
            "{r:?}"
        );
        let (r, _) = run("https://${alb}/");
        assert!(
            matches!(r, Err(VarError::Missing { ref message, .. }) if message == "environment variable `ALB` is not set"),
            "{r:?}"
        );
    }

    #[test]
    fn bad_syntax() {
        assert!(matches!(
            run("${chat_host").0,
            Err(VarError::Invalid { .. })
        ));
        assert!(matches!(
            run("${env:BAD NAME}").0,
            Err(VarError::Invalid { .. })
        ));
        let src = VarSource {
            vars: None,
            getenv: &getenv,
        };
        let r = interpolate("${chat_host}", &src, &mut Secrets::default());
        assert!(matches!(r, Err(VarError::Invalid { .. })));
    }
}
