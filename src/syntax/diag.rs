//! Load errors written for the person who has to fix the file.

use super::node::Pos;
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem found while loading check or environment files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub pos: Pos,
    /// What is wrong.
    pub message: String,
    /// What was expected instead, or how to fix it.
    pub expected: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A diagnostic about a whole file or folder has no position (line 0): none is made up.
        if self.pos.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)?;
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.pos, self.message)?;
        }
        if !self.expected.is_empty() {
            write!(f, "; {}", self.expected)?;
        }
        Ok(())
    }
}

/// Collects the diagnostics of one file, so that every error is reported, not just the first.
#[derive(Debug)]
pub struct Diagnostics {
    file: PathBuf,
    pub list: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new(file: &Path) -> Self {
        Diagnostics {
            file: file.to_path_buf(),
            list: Vec::new(),
        }
    }

    pub fn file(&self) -> &Path {
        &self.file
    }

    pub fn error(&mut self, pos: Pos, message: impl Into<String>, expected: impl Into<String>) {
        self.list.push(Diagnostic {
            file: self.file.clone(),
            pos,
            message: message.into(),
            expected: expected.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
}

/// The closest of `candidates` to a misspelt `word`, if one is close enough to be meant.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4) && *d < c.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["status", "headers", "body", "cert", "time"];
        assert_eq!(suggest("stauts", &keys), Some("status"));
        assert_eq!(suggest("header", &keys), Some("headers"));
        assert_eq!(suggest("tiem", &keys), Some("time"));
        assert_eq!(suggest("zzzzzz", &keys), None);
    }
}
