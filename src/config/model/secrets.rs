//! Secret values, and every form in which an output could show them.
//!
//! A secret is found in text in any of these forms, and mixes of them: as written (letters in
//! either case), percent-encoded (any byte, upper- or lower-case hex, `+` for a space),
//! backslash-escaped as JSON, YAML, Rust or the reports write it (`\"`, `\\`, `\n`, `\u00e9`,
//! `\u{1b}`, `\x1b`, escapes of escapes), shell-quoted (`'\''`), as an XML or HTML entity, as
//! the id slug a check name becomes, and base64-encoded (standard or URL-safe alphabet): the
//! characters that only the secret decides, at each of the three byte alignments, so that it
//! is caught inside a longer encoding such as HTTP Basic's `base64("user:secret")`; and any
//! base64 token whose decoded text holds the secret is replaced whole; and its bytes in hex.
//!
//! Values shorter than [`SHORT`] characters (tabs and newlines not counted) would match by chance all over a report, so they
//! are replaced only where they stand as a token of their own (no letter or digit right
//! before or after, as in `Bearer abc` or `?key=abc&`), or where the text around them is the
//! text they were put into (`x-abc${secret:K}-y` is redacted in `x-abcSEC-y`); their base64
//! forms are caught only by decoding a base64 token.
//!
//! A longer value's start (6 characters or more) is redacted too where it stands before an
//! ellipsis: there a long answer was cut to be shown, perhaps inside the secret.

use forms::{base64_forms, char_forms, decode_base64, hex_forms, literal_forms};
use regex::{Regex, RegexBuilder};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Values shorter than this many characters are "short": redacted as tokens, not as
/// substrings (see the module documentation).
pub const SHORT: usize = 4;

/// Whether `value` is "short": fewer than 4 (`SHORT`) characters other than tabs and newlines
/// (which URL parsers drop).
pub fn is_short(value: &str) -> bool {
    value.chars().filter(|c| !droppable(*c)).count() < SHORT
}

fn droppable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
}

/// How much of the text around a short secret is remembered, each side.
const CONTEXT: usize = 6;

/// Secret values by name; reports redact them at their boundary.
///
/// Values captured during a run (`capture:`) join through [`Secrets::add_captured`] on any
/// clone: every clone of the same loaded secrets shares them, so an output holding a clone
/// redacts a value from the moment it is captured.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    values: BTreeMap<String, String>,
    /// Short values' surroundings where they were substituted: (name, before, after).
    contexts: Vec<(String, String, String)>,
    compiled: OnceLock<Arc<Redactor>>,
    /// Shared by every clone: the values captured so far.
    captured: Arc<Mutex<Captured>>,
    /// The redactor of `values` and `captured` together, and the generation it was made for.
    with_captured: Arc<Mutex<Option<Compiled>>>,
}

/// A redactor, and the generation of the captured values it was made for.
type Compiled = (u64, Arc<Redactor>);

/// Values captured during a run, and a count of changes. A name captured again (a later
/// round's sign-in) keeps its earlier values: reports still hold what they showed.
#[derive(Debug, Default)]
struct Captured {
    values: Vec<(String, String)>,
    generation: u64,
}

impl Secrets {
    pub fn insert(&mut self, name: &str, value: &str) {
        if !value.is_empty() {
            self.values.insert(name.to_string(), value.to_string());
            self.compiled = OnceLock::new();
            self.with_captured = Arc::default();
        }
    }

    /// Takes in the values and substitution contexts that `other`, a clone of this set made
    /// before, met since (check files decoded on another thread).
    pub fn absorb(&mut self, other: &Secrets) {
        let mut changed = false;
        for (name, value) in &other.values {
            if self.values.get(name) != Some(value) {
                self.values.insert(name.clone(), value.clone());
                changed = true;
            }
        }
        for context in &other.contexts {
            if !self.contexts.contains(context) {
                self.contexts.push(context.clone());
                changed = true;
            }
        }
        if changed {
            self.compiled = OnceLock::new();
            self.with_captured = Arc::default();
        }
    }

    /// A value captured during the run, redacted as `[redacted:NAME]` by this and every clone
    /// from now on. An empty value is no secret.
    pub fn add_captured(&self, name: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let mut captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        if !captured.values.iter().any(|(n, v)| n == name && v == value) {
            captured.values.push((name.to_string(), value.to_string()));
            captured.generation += 1;
        }
    }

    /// The values captured so far: name and value.
    pub fn captured_values(&self) -> Vec<(String, String)> {
        let captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        captured.values.clone()
    }

    /// Every value, loaded and captured: name and value.
    pub fn all_values(&self) -> Vec<(String, String)> {
        let captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        self.values
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(captured.values.iter().cloned())
            .collect()
    }

    /// The redactor with the values captured so far, made again only when they changed.
    fn redactor_with_captured(&self) -> Option<Arc<Redactor>> {
        let captured = self.captured.lock().unwrap_or_else(|e| e.into_inner());
        if captured.values.is_empty() {
            return None;
        }
        let mut cache = self.with_captured.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((generation, redactor)) = cache.as_ref()
            && *generation == captured.generation
        {
            return Some(Arc::clone(redactor));
        }
        let all = self
            .values
            .iter()
            .chain(captured.values.iter().map(|(k, v)| (k, v)));
        let redactor = Arc::new(Redactor::new(all, &self.contexts));
        *cache = Some((captured.generation, Arc::clone(&redactor)));
        Some(redactor)
    }

    /// Remembers that secret `name` was put into `text` at byte offsets `start..end`, so that
    /// a short value is redacted there even when it touches letters or digits.
    pub fn note_substitution(&mut self, name: &str, text: &str, start: usize, end: usize) {
        let Some(value) = self.values.get(name) else {
            return;
        };
        if !is_short(value) || text.get(start..end) != Some(value.as_str()) {
            return;
        }
        let before: String = {
            let chars: Vec<char> = text[..start].chars().rev().take(CONTEXT).collect();
            chars.into_iter().rev().collect()
        };
        let after: String = text[end..].chars().take(CONTEXT).collect();
        if before.is_empty() && after.is_empty() {
            return;
        }
        let entry = (name.to_string(), before, after);
        if !self.contexts.contains(&entry) {
            self.contexts.push(entry);
            self.compiled = OnceLock::new();
            self.with_captured = Arc::default();
        }
    }

    /// `text` with every secret value, in every form listed in the module documentation,
    /// replaced by `[redacted:NAME]`. Longer values go first, so a secret that contains
    /// another is removed whole.
    ///
    /// Then every JSON Web Token left in it (a bearer credential, whether or not a check
    /// captured it: the body of a sign-in that failed holds tokens nobody captured) is shown
    /// by its start and length only (`eyJhbGciOi…(812 chars)`).
    pub fn redact(&self, text: &str) -> String {
        let redacted = if let Some(redactor) = self.redactor_with_captured() {
            redactor.redact(text)
        } else if self.values.is_empty() {
            text.to_string()
        } else {
            self.compiled
                .get_or_init(|| Arc::new(Redactor::new(self.values.iter(), &self.contexts)))
                .redact(text)
        };
        match crate::matcher::jwt::hide_tokens(&redacted) {
            std::borrow::Cow::Borrowed(_) => redacted,
            std::borrow::Cow::Owned(hidden) => hidden,
        }
    }

    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// One secret, compiled.
#[derive(Debug)]
struct Pattern {
    name: String,
    value: String,
    short: bool,
    /// Every textual form, as one regex (None when the value is too large to compile: then
    /// `literals` stand in).
    forms: Option<Regex>,
    literals: Vec<String>,
    /// Text around a short value where it was substituted.
    contexts: Vec<(String, String)>,
}

#[derive(Debug)]
struct Redactor {
    patterns: Vec<Pattern>,
    standard_token: Regex,
    url_safe_token: Regex,
}

impl Redactor {
    fn new<'a>(
        values: impl Iterator<Item = (&'a String, &'a String)>,
        contexts: &[(String, String, String)],
    ) -> Self {
        let mut by_length: Vec<(&String, &String)> = values.collect();
        by_length.sort_by_key(|(_, v)| std::cmp::Reverse(v.len()));
        let patterns = by_length
            .into_iter()
            .map(|(name, value)| {
                let short = is_short(value);
                let mut alternatives = vec![char_forms(value)];
                // The slug drops punctuation: of `%%q%%` only `q` is left, too little to
                // look for everywhere.
                let slug = super::slug(value);
                if short || slug.chars().count() >= SHORT {
                    alternatives.push(regex::escape(&slug));
                }
                if !short {
                    alternatives.extend(base64_forms(value).iter().map(|f| regex::escape(f)));
                    alternatives.extend(hex_forms(value));
                }
                alternatives.retain(|a| !a.is_empty());
                let forms = RegexBuilder::new(&alternatives.join("|"))
                    .size_limit(1 << 26)
                    .build()
                    .ok();
                Pattern {
                    name: name.clone(),
                    value: value.clone(),
                    short,
                    literals: match forms {
                        Some(_) => Vec::new(),
                        None => literal_forms(value),
                    },
                    forms,
                    contexts: contexts
                        .iter()
                        .filter(|(n, _, _)| n == name)
                        .map(|(_, b, a)| (b.clone(), a.clone()))
                        .collect(),
                }
            })
            .collect();
        Redactor {
            patterns,
            // Constant patterns: they compile.
            standard_token: Regex::new(r"[A-Za-z0-9+/]{4,}={0,2}").unwrap_or_else(|_| never()),
            url_safe_token: Regex::new(r"[A-Za-z0-9_\-]{4,}={0,2}").unwrap_or_else(|_| never()),
        }
    }

    fn redact(&self, text: &str) -> String {
        // Whole tokens first: once a stable middle is replaced the token no longer decodes.
        let mut out = text.to_string();
        for token in [&self.standard_token, &self.url_safe_token] {
            out = self.redact_base64_tokens(token, &out);
        }
        for p in &self.patterns {
            out = p.redact(&out);
        }
        // Then the starts left at a cut, once every whole value is gone.
        for p in self.patterns.iter().filter(|p| !p.short) {
            out = cut::redact_cut_starts(&out, &p.value, &format!("[redacted:{}]", p.name));
        }
        out
    }

    /// Replaces each base64 token whose decoded text shows a secret.
    fn redact_base64_tokens(&self, token: &Regex, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in token.find_iter(text) {
            if let Some(name) = self.secret_in_base64(m.as_str()) {
                out.push_str(&text[last..m.start()]);
                out.push_str(&format!("[redacted:{name}]"));
                last = m.end();
            }
        }
        out.push_str(&text[last..]);
        out
    }

    /// The secret a base64 token holds. Only a token that decodes to text counts: most words
    /// decode to bytes too, but to text only by rare chance, so a short secret does not
    /// blank them.
    fn secret_in_base64(&self, token: &str) -> Option<&str> {
        let decoded = String::from_utf8(decode_base64(token)?).ok()?;
        if decoded
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return None;
        }
        self.patterns
            .iter()
            .find(|p| p.redact(&decoded) != decoded)
            .map(|p| p.name.as_str())
    }
}

impl Pattern {
    fn redact(&self, text: &str) -> String {
        let marker = format!("[redacted:{}]", self.name);
        let mut out = match &self.forms {
            Some(re) => {
                let mut out = String::with_capacity(text.len());
                let mut last = 0;
                for m in re.find_iter(text) {
                    if self.short && !stands_alone(text, m.start(), m.end()) {
                        continue;
                    }
                    out.push_str(&text[last..m.start()]);
                    out.push_str(&marker);
                    last = m.end();
                }
                out.push_str(&text[last..]);
                out
            }
            None => {
                let mut out = text.to_string();
                for form in &self.literals {
                    out = out.replace(form.as_str(), &marker);
                }
                out
            }
        };
        for (before, after) in &self.contexts {
            let found = format!("{before}{}{after}", self.value);
            if out.contains(&found) {
                out = out.replace(&found, &format!("{before}{marker}{after}"));
            }
        }
        out
    }
}

/// No letter or digit touches the match on either side.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

fn never() -> Regex {
    // `[^\s\S]` matches nothing; it always compiles.
    Regex::new(r"[^\s\S]").unwrap_or_else(|_| unreachable!())
}

mod cut;
mod forms;

#[cfg(test)]
mod tests;
