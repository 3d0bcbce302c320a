//! What a run selected, recorded in its JSON report so that `conform merge` can tell a whole
//! set of shards from an incomplete, duplicated or mixed one.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The selection a run split (or ran whole): the filters given and a fingerprint of every
/// check id they selected, before `--shard` took its part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSelection {
    /// `--shard K/N`; `null` for a run of the whole selection.
    pub shard: Option<JsonShard>,
    /// The filters given on the command line.
    pub filters: JsonFilters,
    /// How many checks the filters selected (all shards together).
    pub checks: usize,
    /// [`fingerprint`] of the selected ids: two runs that split different lists of checks
    /// (another commit, another environment file) have different fingerprints.
    pub sha256: String,
    /// In a merge made with `--allow-partial`: the shards that were not there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<JsonShard>,
}

/// Part `index` of `count`, 1-based, shown as `K/N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct JsonShard {
    pub index: usize,
    pub count: usize,
}

impl fmt::Display for JsonShard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// `--tag`, `--skip-tag`, `--only` and `--suite` as given (redacted and printable).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonFilters {
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub skip_tags: Vec<String>,
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub suites: Vec<String>,
}

impl fmt::Display for JsonFilters {
    /// As given on the command line: `--tag gate --only 'web/*'`, or `no filters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (flag, values) in [
            ("--tag", &self.tags),
            ("--skip-tag", &self.skip_tags),
            ("--only", &self.only),
            ("--suite", &self.suites),
        ] {
            parts.extend(values.iter().map(|v| format!("{flag} {v}")));
        }
        if parts.is_empty() {
            f.write_str("no filters")
        } else {
            f.write_str(&parts.join(" "))
        }
    }
}

/// Lower-case hex SHA-256 of the ids sorted, each followed by a newline: what
/// `printf '%s\n' $ids | sort | sha256sum` prints for ids without spaces.
pub fn fingerprint<S: AsRef<str>>(ids: &[S]) -> String {
    let mut sorted: Vec<&str> = ids.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    let mut hash = Sha256::new();
    for id in sorted {
        hash.update(id.as_bytes());
        hash.update(b"\n");
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_that_of_the_sorted_list() {
        // printf 'a/x\nb/y\n' | sha256sum
        let got = fingerprint(&["b/y", "a/x"]);
        assert_eq!(
            got,
            "125d506340e2a8d397a82fb87a00f3474a0cd4c422cea40472ea0c24defad1c2"
        );
        assert_ne!(got, fingerprint(&["a/x"]));
        assert_ne!(fingerprint(&["a/x", "b/y"]), fingerprint(&["a/xb/y"]));
    }

    #[test]
    fn filters_read_as_given() {
        let f = JsonFilters {
            tags: vec!["gate".into(), "nightly".into()],
            only: vec!["web/*".into()],
            ..JsonFilters::default()
        };
        assert_eq!(f.to_string(), "--tag gate --tag nightly --only web/*");
        assert_eq!(JsonFilters::default().to_string(), "no filters");
        assert_eq!(JsonShard { index: 2, count: 3 }.to_string(), "2/3");
    }
}
