//! Authenticated flows: what a check captures from its answer (`capture:`), the checks it
//! needs first (`needs:`), and where it uses their captures (`${capture:ID.NAME}`).
//!
//! A use is written into the check at load time as a placeholder, `${CAPTURE_ID_NAME}` (the
//! shell variable a reproduce command refers to), and filled just before the probe, once the
//! needed check has passed: see [`fill_http`].

use super::HttpProbe;
use crate::syntax::node::Pos;
use regex::Regex;
use serde_json_path::JsonPath;

/// A check's `needs:`, `capture:` and `${capture:..}` uses. Empty for most checks.
#[derive(Clone, Debug, Default)]
pub struct Flow {
    /// The ids of the checks that must pass first, in the order written.
    pub needs: Vec<Need>,
    pub captures: Vec<Capture>,
    /// Every `${capture:ID.NAME}` in the check's strings.
    pub uses: Vec<CaptureUse>,
}

impl Flow {
    pub fn is_empty(&self) -> bool {
        self.needs.is_empty() && self.captures.is_empty() && self.uses.is_empty()
    }

    /// The ids this check needs, in order.
    pub fn need_ids(&self) -> impl Iterator<Item = &str> {
        self.needs.iter().map(|n| n.id.as_str())
    }
}

/// One id of `needs:`, with its place in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    pub id: String,
    pub pos: Pos,
}

/// One entry of `capture:`: a name, and where its value is taken from.
#[derive(Clone, Debug)]
pub struct Capture {
    pub name: String,
    pub from: CaptureFrom,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub enum CaptureFrom {
    /// A singular JSONPath on the body; a string is taken as is, another value as JSON text.
    Json { path: JsonPath, text: String },
    /// A response header (name lower-case); the first one of that name.
    Header(String),
    /// The first group of a regex on the body (the whole match when it has no group).
    Regex(Regex),
}

impl CaptureFrom {
    /// As written, for messages: `$.token`, `header x-token`, `regex ^id=(\w+)`.
    pub fn describe(&self) -> String {
        match self {
            CaptureFrom::Json { text, .. } => text.clone(),
            CaptureFrom::Header(name) => format!("header {name}"),
            CaptureFrom::Regex(re) => format!("regex {}", re.as_str()),
        }
    }

    /// Whether the value comes from the body (so the probe must keep it).
    pub fn reads_body(&self) -> bool {
        !matches!(self, CaptureFrom::Header(_))
    }
}

/// One `${capture:ID.NAME}` in a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureUse {
    pub id: String,
    pub name: String,
    pub pos: Pos,
}

impl CaptureUse {
    pub fn placeholder(&self) -> String {
        placeholder(&self.id, &self.name)
    }
}

/// The shell variable that stands for capture `name` of check `id` in reproduce commands, and
/// the name it is redacted under: `CAPTURE_COGNITO_SIGN_IN_ID_TOKEN`.
pub fn capture_var(id: &str, name: &str) -> String {
    let mut out = String::from("CAPTURE_");
    for c in id.chars().chain(std::iter::once('.')).chain(name.chars()) {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// What a use is written as until it is filled: `${CAPTURE_ID_NAME}`.
pub fn placeholder(id: &str, name: &str) -> String {
    format!("${{{}}}", capture_var(id, name))
}

/// The placeholder as a URL path writes it (`{` and `}` percent-encoded).
fn placeholder_in_path(p: &str) -> String {
    p.replace('{', "%7B").replace('}', "%7D")
}

/// `probe` with every placeholder of `uses` replaced by `value(use)`; `None` when a value is
/// missing or the URL no longer parses. Values are put in as they are (no encoding).
pub fn fill_http(
    probe: &HttpProbe,
    uses: &[CaptureUse],
    value: &dyn Fn(&CaptureUse) -> Option<String>,
) -> Result<HttpProbe, String> {
    let mut pairs = Vec::new();
    for u in uses {
        let v = value(u).ok_or_else(|| format!("capture {}.{} has no value", u.id, u.name))?;
        pairs.push((u.placeholder(), v));
    }
    let replace = |text: &str| -> String {
        let mut out = text.to_string();
        for (p, v) in &pairs {
            out = out
                .replace(p.as_str(), v)
                .replace(&placeholder_in_path(p), v);
        }
        out
    };
    let mut filled = probe.clone();
    let url = replace(probe.url.as_str());
    if url != probe.url.as_str() {
        filled.url = url::Url::parse(&url)
            .map_err(|e| format!("the URL with its captures filled in is not a URL ({e})"))?;
    }
    for (_, v) in filled.headers.iter_mut() {
        *v = replace(v);
    }
    filled.body = match &probe.body {
        Some(super::RequestBody::Text(t)) => Some(super::RequestBody::Text(replace(t))),
        Some(super::RequestBody::Json(j)) => Some(super::RequestBody::Json(fill_json(j, &replace))),
        None => None,
    };
    Ok(filled)
}

fn fill_json(value: &serde_json::Value, replace: &dyn Fn(&str) -> String) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(replace(s)),
        Value::Array(items) => Value::Array(items.iter().map(|i| fill_json(i, replace)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, replace)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Whether the placeholder of `u` stands somewhere [`fill_http`] fills it: the URL, a header
/// value or the body.
pub fn http_uses(probe: &HttpProbe, u: &CaptureUse) -> bool {
    let p = u.placeholder();
    let in_text = |t: &str| t.contains(&p) || t.contains(&placeholder_in_path(&p));
    let in_body = match &probe.body {
        Some(super::RequestBody::Text(t)) => in_text(t),
        Some(super::RequestBody::Json(j)) => in_text(&j.to_string()),
        None => false,
    };
    in_text(probe.url.as_str()) || probe.headers.iter().any(|(_, v)| in_text(v)) || in_body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_vars_are_shell_names() {
        assert_eq!(
            capture_var("cognito/test-user-signs-in", "id_token"),
            "CAPTURE_COGNITO_TEST_USER_SIGNS_IN_ID_TOKEN"
        );
        assert_eq!(placeholder("a", "b"), "${CAPTURE_A_B}");
    }

    #[test]
    fn fills_url_headers_and_json() {
        let u = CaptureUse {
            id: "auth/sign-in".into(),
            name: "token".into(),
            pos: Pos::default(),
        };
        let url = format!(
            "http://127.0.0.1:1/me/{}?t={}",
            u.placeholder(),
            u.placeholder()
        );
        let mut probe = HttpProbe::get(url::Url::parse(&url).unwrap());
        probe.headers = vec![(
            "authorization".into(),
            format!("Bearer {}", u.placeholder()),
        )];
        probe.body = Some(super::super::RequestBody::Json(
            serde_json::json!({ "a": [u.placeholder()] }),
        ));
        assert!(http_uses(&probe, &u));
        let filled = fill_http(&probe, std::slice::from_ref(&u), &|_| Some("tok".into())).unwrap();
        assert_eq!(filled.url.as_str(), "http://127.0.0.1:1/me/tok?t=tok");
        assert_eq!(filled.headers[0].1, "Bearer tok");
        assert_eq!(
            filled.body,
            Some(super::super::RequestBody::Json(
                serde_json::json!({ "a": ["tok"] })
            ))
        );
    }
}
