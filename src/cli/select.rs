//! Choosing which checks run: `--tag`, `--skip-tag`, `--only`, `--suite`.

use crate::config::model::{Check, KeptOut};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct Filters {
    /// Any of these tags (empty: no constraint).
    pub tags: Vec<String>,
    pub skip_tags: Vec<String>,
    /// Ids, names or globs of either (`chat/*`, `*health*`) of checks (empty: no constraint).
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
            && (self.only.is_empty() || self.only.iter().any(|p| only_matches(p, &c.id, &c.name)))
    }
}

/// Whether `--only` pattern `p` names the check of `id` and `name`: a glob of either (a
/// pattern without `*` or `?` is the id or the name itself).
fn only_matches(p: &str, id: &str, name: &str) -> bool {
    glob(p, id) || glob(p, name)
}

/// Every filter value that selects nothing among `checks`: each with "did you mean", or the
/// check that exists but whose `envs:` keep it out of `env`. A typo in a filter must not
/// quietly shrink a gate to the checks that happen to match the rest.
pub fn unmatched(
    filters: &Filters,
    checks: &[&Check],
    kept_out: &[KeptOut],
    env: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let kept = |k: &KeptOut| {
        format!(
            "check `{}` exists, but its `envs: [{}]` keep it out of env `{env}`",
            k.id,
            k.envs.join(", ")
        )
    };
    let mut tag_values: Vec<&str> = checks
        .iter()
        .flat_map(|c| c.tags.iter().map(String::as_str))
        .collect();
    tag_values.sort();
    tag_values.dedup();
    for (flag, values) in [("--tag", &filters.tags), ("--skip-tag", &filters.skip_tags)] {
        for t in values {
            if checks.iter().any(|c| c.tags.contains(t)) {
                continue;
            }
            out.push(match kept_out.iter().find(|k| k.tags.contains(t)) {
                Some(k) => format!("{flag} `{t}` selects no check here: {}", kept(k)),
                None => format!(
                    "{flag} `{t}` matches no check's tags{}",
                    hint(t, &tag_values)
                ),
            });
        }
    }
    let mut ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    ids.extend(checks.iter().map(|c| c.name.as_str()));
    ids.sort();
    ids.dedup();
    for p in &filters.only {
        let matches = |id: &str, name: &str| only_matches(p, id, name);
        if checks.iter().any(|c| matches(&c.id, &c.name)) {
            continue;
        }
        out.push(match kept_out.iter().find(|k| matches(&k.id, &k.name)) {
            Some(k) => format!("--only `{p}` selects no check here: {}", kept(k)),
            None => format!("--only `{p}` matches no check id or name{}", hint(p, &ids)),
        });
    }
    let mut suites: Vec<&str> = checks.iter().map(|c| c.suite.as_str()).collect();
    suites.sort();
    suites.dedup();
    for s in &filters.suites {
        if suites.contains(&s.as_str()) {
            continue;
        }
        out.push(match kept_out.iter().find(|k| &k.suite == s) {
            Some(k) => format!("--suite `{s}` selects no check here: {}", kept(k)),
            None => format!("--suite `{s}` is not a suite{}", hint(s, &suites)),
        });
    }
    out
}

/// "; did you mean `x`?" when a candidate is close.
fn hint(word: &str, candidates: &[&str]) -> String {
    crate::syntax::diag::suggest(word, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
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

/// `--shard K/N`: which part of the selection one machine runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard; expected K/N with 1 <= K <= N, e.g. 2/4");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = k.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The checks of this shard: the selection sorted by id and dealt round-robin, so that
    /// every check lands in exactly one shard, shards differ in size by one at most, and the
    /// split is the same on every machine and every run of the same checks.
    pub fn take<T, F: Fn(&T) -> &str>(&self, items: Vec<T>, id: F) -> Vec<T> {
        let mut order: Vec<(String, usize)> = items
            .iter()
            .enumerate()
            .map(|(i, t)| (id(t).to_string(), i))
            .collect();
        order.sort();
        let mine: std::collections::HashSet<usize> = order
            .iter()
            .enumerate()
            .filter(|(pos, _)| pos % self.count == self.index - 1)
            .map(|(_, (_, i))| *i)
            .collect();
        items
            .into_iter()
            .enumerate()
            .filter(|(i, _)| mine.contains(i))
            .map(|(_, t)| t)
            .collect()
    }
}

#[cfg(test)]
mod shard_tests {
    use super::Shard;

    #[test]
    fn every_check_in_exactly_one_shard() {
        let ids: Vec<String> = (0..37).map(|i| format!("suite/check-{i:03}")).collect();
        for n in 1..=8 {
            let mut seen: Vec<String> = Vec::new();
            let mut sizes = Vec::new();
            for k in 1..=n {
                let shard = Shard { index: k, count: n };
                let part = shard.take(ids.clone(), |s| s.as_str());
                // Stable: the same split twice, and in any input order.
                let mut reversed = ids.clone();
                reversed.reverse();
                let mut again = shard.take(reversed, |s| s.as_str());
                again.sort();
                let mut sorted = part.clone();
                sorted.sort();
                assert_eq!(sorted, again);
                sizes.push(part.len());
                seen.extend(part);
            }
            seen.sort();
            assert_eq!(seen, ids, "N = {n}");
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "N = {n}: {sizes:?}");
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/4".parse(), Ok(Shard { index: 2, count: 4 }));
        assert!("0/4".parse::<Shard>().is_err());
        assert!("5/4".parse::<Shard>().is_err());
        assert_eq!(
            "x".parse::<Shard>().unwrap_err(),
            "`x` is not a shard; expected K/N with 1 <= K <= N, e.g. 2/4"
        );
    }
}

/// The checks of `all` that `selected` need, however far down, added to the selection (in
/// plan order), and for each check brought along only as a need, the selected checks that
/// need it (directly or not), in plan order.
pub fn with_needs(
    all: &[Arc<Check>],
    selected: Vec<Arc<Check>>,
) -> (Vec<Arc<Check>>, BTreeMap<String, Vec<String>>) {
    let by_id: HashMap<&str, &Arc<Check>> = all.iter().map(|c| (c.id.as_str(), c)).collect();
    let chosen: HashSet<&str> = selected.iter().map(|c| c.id.as_str()).collect();
    let mut needed_by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &selected {
        // Every check `c` needs, however far down (the graph has no cycle: load refused it).
        let mut stack: Vec<&str> = c.flow.need_ids().collect();
        let mut seen: HashSet<&str> = HashSet::new();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            if !chosen.contains(id) {
                let by = needed_by.entry(id.to_string()).or_default();
                if !by.contains(&c.id) {
                    by.push(c.id.clone());
                }
            }
            if let Some(n) = by_id.get(id) {
                stack.extend(n.flow.need_ids());
            }
        }
    }
    let out = all
        .iter()
        .filter(|c| chosen.contains(c.id.as_str()) || needed_by.contains_key(&c.id))
        .cloned()
        .collect();
    (out, needed_by)
}

/// For each check, the smallest id of the checks it is joined to by `needs` (either way):
/// the key of its group, which `--shard` deals whole.
pub fn group_keys(checks: &[Arc<Check>]) -> HashMap<String, String> {
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, c) in checks.iter().enumerate() {
        for need in c.flow.need_ids() {
            if let Some(&j) = index.get(need) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut smallest: HashMap<usize, &str> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let r = root(&mut parent, i);
        let entry = smallest.entry(r).or_insert(id);
        if *id < *entry {
            *entry = id;
        }
    }
    ids.iter()
        .enumerate()
        .map(|(i, id)| {
            let r = root(&mut parent, i);
            (id.to_string(), smallest[&r].to_string())
        })
        .collect()
}

impl Shard {
    /// [`Shard::take`] of whole groups: `group` gives each item's group key (checks joined by
    /// `needs` share one), and the groups, sorted by key, are dealt round-robin; an item alone
    /// in its group (its key its own id) is dealt as `take` deals it.
    pub fn take_grouped<T, F: Fn(&T) -> String>(&self, items: Vec<T>, group: F) -> Vec<T> {
        let mut keys: Vec<String> = items.iter().map(&group).collect();
        keys.sort();
        keys.dedup();
        let mine: HashSet<String> = keys
            .into_iter()
            .enumerate()
            .filter(|(pos, _)| pos % self.count == self.index - 1)
            .map(|(_, k)| k)
            .collect();
        items
            .into_iter()
            .filter(|t| mine.contains(&group(t)))
            .collect()
    }
}

#[cfg(test)]
mod needs_tests {
    use super::*;
    use crate::config::model::Need;
    use crate::report::detail::fixtures::check;

    fn with(id: &str, needs: &[&str]) -> Arc<Check> {
        let mut c = check("s", id, id);
        c.flow.needs = needs
            .iter()
            .map(|n| Need {
                id: n.to_string(),
                pos: Default::default(),
            })
            .collect();
        Arc::new(c)
    }

    #[test]
    fn needs_come_along_however_far_down_and_say_for_whom() {
        let all = vec![
            with("a", &[]),
            with("b", &["a"]),
            with("c", &["b"]),
            with("d", &[]),
        ];
        let (kept, by) = with_needs(&all, vec![Arc::clone(&all[2])]);
        let ids: Vec<&str> = kept.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(by["a"], ["c"]);
        assert_eq!(by["b"], ["c"]);
        assert!(!by.contains_key("c"));
    }

    #[test]
    fn a_chain_is_one_group_and_goes_to_one_shard() {
        let all = vec![
            with("a", &[]),
            with("m", &["z"]),
            with("b", &[]),
            with("z", &[]),
        ];
        let groups = group_keys(&all);
        assert_eq!(groups["m"], "m");
        assert_eq!(groups["z"], "m");
        assert_eq!(groups["a"], "a");
        let shard = |k| {
            Shard { index: k, count: 2 }
                .take_grouped(all.clone(), |c| groups[&c.id].clone())
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        };
        // Groups a, b, m dealt in turn: a and m to shard 1, b to shard 2.
        assert_eq!(shard(1), ["a", "m", "z"]);
        assert_eq!(shard(2), ["b"]);
    }
}
