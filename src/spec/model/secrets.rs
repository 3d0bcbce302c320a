//! Secret values, and every form in which an output could show them.

use std::collections::BTreeMap;
use url::Url;

/// Secret values by name; reports redact them at their boundary.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: BTreeMap<String, String>,
}

impl Secrets {
    pub fn insert(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.values.insert(name.to_string(), value.to_string());
        }
    }

    /// `text` with every secret value replaced by `[redacted:NAME]`: as written, and in the
    /// forms the reports may have turned it into (shell-quoted in a reproduce command,
    /// escaped in JSON, percent-encoded in a URL). Longer forms go first, so a secret that
    /// contains another is removed whole.
    pub fn redact(&self, text: &str) -> String {
        let mut forms: Vec<(&str, String)> = Vec::new();
        for (name, value) in &self.values {
            for form in secret_forms(value) {
                forms.push((name.as_str(), form));
            }
        }
        forms.sort_by_key(|(_, f)| std::cmp::Reverse(f.len()));
        let mut out = text.to_string();
        for (name, form) in forms {
            if out.contains(form.as_str()) {
                out = out.replace(form.as_str(), &format!("[redacted:{name}]"));
            }
        }
        out
    }

    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A secret value as written and as it reads once quoted or encoded for an output.
fn secret_forms(value: &str) -> Vec<String> {
    let mut forms = vec![
        value.to_string(),
        value.replace('\'', "'\\''"),
        // Ids are made from names: lower-cased, punctuation turned into dashes.
        value.to_lowercase(),
        crate::spec::checkfile::slug(value),
    ];
    if let Ok(json) = serde_json::to_string(value) {
        forms.push(json.trim_matches('"').to_string());
    }
    if let Ok(u) = Url::parse(&format!("http://x/{value}?{value}")) {
        forms.push(u.path().trim_start_matches('/').to_string());
        forms.extend(u.query().map(String::from));
    }
    let pieces: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    forms.push(pieces);
    forms.sort();
    forms.dedup();
    forms.retain(|f| !f.is_empty());
    forms
}
