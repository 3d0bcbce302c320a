//! Choosing which checks run: `--tag`, `--skip-tag`, `--only`, `--suite`.

use super::model::Check;

#[derive(Clone, Debug, Default)]
pub struct Filters {
    /// Any of these tags (empty: no constraint).
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    /// Ids, names or globs (`chat/*`) of checks (empty: no constraint).
    pub only: Vec<String>,
    pub suites: Vec<String>,
}

impl Filters {
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty()
            && self.skip_tags.is_empty()
            && self.only.is_empty()
            && self.suites.is_empty()
    }

    pub fn selects(&self, c: &Check) -> bool {
        (self.tags.is_empty() || c.tags.iter().any(|t| self.tags.contains(t)))
            && !c.tags.iter().any(|t| self.skip_tags.contains(t))
            && (self.suites.is_empty() || self.suites.contains(&c.suite))
            && (self.only.is_empty() || self.only.iter().any(|p| p == &c.name || glob(p, &c.id)))
    }
}

/// `*` matches any run of characters, `?` one character; everything else is literal.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("chat/*", "chat/root-redirect"));
        assert!(glob("*redirect", "chat/root-redirect"));
        assert!(glob("chat/root-redirect", "chat/root-redirect"));
        assert!(glob("c?at/*", "chat/x"));
        assert!(!glob("chat/*", "nest/health"));
        assert!(!glob("chat", "chat/x"));
        assert!(glob("*", ""));
    }
}
