//! The layering rules of `docs/architecture.md`, checked on the source: each top-level module
//! of `src/` imports only the layers below it ([`LAYERS`]), and no two modules inside any one
//! folder import each other, directly or around a cycle.
//!
//! Every path a file names (`use crate::…`, `use super::…`, `crate::x::y(…)` inline, and after
//! `use super::*` a sibling by its bare name) is resolved to the module it points into. A
//! reference from `a/b/c.rs` to `a/d.rs` is an edge `b → d` in folder `a`; a reference into the
//! folder's own root (`a.rs` or `a/mod.rs`) is not an edge between siblings, and a name the root
//! re-exports from a sibling counts as the root's: keep roots to declarations and re-exports.
//! A cycle fails the test with one reference for each of its edges.

mod scan;

use scan::{modules_under, references};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

/// Pairs of layers that may not meet though the order allows it: reports read results and
/// observations, never the judge.
const APART: &[(&str, &str)] = &[("report", "judge")];

/// The top-level modules, lowest first: each may import only the ones before it.
const LAYERS: &[&str] = &[
    "syntax", "matcher", "config", "probe", "judge", "run", "report", "cli",
];

#[derive(Clone, Debug)]
struct Reference {
    file: PathBuf,
    line: usize,
    target: ModPath,
}

impl Reference {
    /// `report/detail.rs:11`, relative to `src`.
    fn place(&self, src: &Path) -> String {
        let file = self.file.strip_prefix(src).unwrap_or(&self.file);
        format!("{}:{}", file.display(), self.line)
    }

    /// `report/detail.rs:11 uses crate::run`.
    fn describe(&self, src: &Path) -> String {
        format!("{} uses crate::{}", self.place(src), self.target.join("::"))
    }
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules_under(&src);
    assert!(
        modules.len() > 20,
        "found only {} modules under {}",
        modules.len(),
        src.display()
    );
    let known: BTreeSet<ModPath> = modules.keys().cloned().collect();

    // folder → (from sibling → (to sibling → an example reference))
    let mut edges: BTreeMap<ModPath, BTreeMap<String, BTreeMap<String, Reference>>> =
        BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).expect("read a source file");
        for reference in references(file, module, &text, &known) {
            let common = module
                .iter()
                .zip(&reference.target)
                .take_while(|(a, b)| a == b)
                .count();
            if module.len() <= common || reference.target.len() <= common {
                continue; // into its own root, or down into its own children
            }
            let from = module[common].clone();
            let to = reference.target[common].clone();
            edges
                .entry(module[..common].to_vec())
                .or_default()
                .entry(from)
                .or_default()
                .entry(to)
                .or_insert(reference);
        }
    }

    if std::env::var_os("LAYERS_DUMP").is_some() {
        for (folder, graph) in &edges {
            for (from, to) in graph {
                for (to, reference) in to {
                    println!(
                        "{}: {from} -> {to}   ({})",
                        folder.join("::"),
                        reference.place(&src)
                    );
                }
            }
        }
    }
    let mut upward = Vec::new();
    for (from, to) in edges.get(&Vec::new()).into_iter().flatten() {
        for (to, reference) in to {
            let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
            let (Some(a), Some(b)) = (rank(from), rank(to)) else {
                upward.push(format!("{from} → {to}: a top-level module not in LAYERS"));
                continue;
            };
            if a < b || APART.contains(&(from.as_str(), to.as_str())) {
                upward.push(format!(
                    "{from} → {to} is against the layers ({})",
                    reference.describe(&src)
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layers:\n{}",
        upward.join("\n")
    );

    let mut cycles = Vec::new();
    for (folder, graph) in &edges {
        if folder.is_empty() {
            continue; // the layer order above is stricter than no cycle
        }
        for cycle in cycles_in(graph) {
            let name = |m: &String| {
                if folder.is_empty() {
                    m.clone()
                } else {
                    format!("{}::{m}", folder.join("::"))
                }
            };
            let mut text = format!(
                "cycle {}",
                cycle
                    .iter()
                    .chain(cycle.first())
                    .map(name)
                    .collect::<Vec<_>>()
                    .join(" → ")
            );
            for pair in cycle.iter().zip(cycle.iter().cycle().skip(1)) {
                let reference = &graph[pair.0][pair.1];
                text.push_str(&format!("\n    {}", reference.describe(&src)));
            }
            cycles.push(text);
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles in src/:\n{}",
        cycles.join("\n")
    );
}

/// Strongly connected components of more than one module, each as one cycle through it.
fn cycles_in(graph: &BTreeMap<String, BTreeMap<String, Reference>>) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph
        .keys()
        .chain(graph.values().flat_map(|to| to.keys()))
        .collect();
    let reaches = |from: &String, to: &String| -> Option<Vec<String>> {
        // Breadth-first path from `from` to `to`.
        let mut previous: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([from.clone()]);
        while let Some(node) = queue.pop_front() {
            for next in graph.get(&node).into_iter().flat_map(|to| to.keys()) {
                if next == to {
                    let mut path = vec![node.clone()];
                    let mut at = node.clone();
                    while let Some(p) = previous.get(&at) {
                        path.push(p.clone());
                        at = p.clone();
                    }
                    path.reverse();
                    return Some(path);
                }
                if !previous.contains_key(next) && next != from {
                    previous.insert(next.clone(), node.clone());
                    queue.push_back(next.clone());
                }
            }
        }
        None
    };
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut cycles = Vec::new();
    for node in nodes {
        if seen.contains(node) {
            continue;
        }
        if let Some(path) = reaches(node, node)
            && path.len() > 1
        {
            seen.extend(path.iter().cloned());
            cycles.push(path);
        }
    }
    cycles
}

#[test]
fn the_checker_sees_a_cycle_and_resolves_use_trees() {
    let known: BTreeSet<ModPath> = [
        vec![],
        vec!["a".into()],
        vec!["a".into(), "b".into()],
        vec!["c".into()],
    ]
    .into_iter()
    .collect();
    let module: ModPath = vec!["a".into(), "b".into()];
    let text = "use crate::{c::X, a::{self}};\n// crate::z::y\nfn f() { super::super::c::go(\"crate::q\"); }\nmod tests { use super::*; }";
    let refs = references(Path::new("x.rs"), &module, text, &known);
    let targets: Vec<(usize, String)> =
        refs.iter().map(|r| (r.line, r.target.join("::"))).collect();
    assert_eq!(
        targets,
        vec![
            (1, "c".into()),
            (1, "a".into()),
            (3, "c".into()),
            (4, "a::b".into())
        ]
    );

    // After `use super::*`, a sibling by its name; a crate's name is outside.
    let known: BTreeSet<ModPath> = [
        vec!["a".into()],
        vec!["a".into(), "b".into()],
        vec!["a".into(), "d".into()],
    ]
    .into_iter()
    .collect();
    let text = "use super::*;\nuse d::Thing;\nuse std::fmt;\nuse time::Date;";
    let refs = references(Path::new("x.rs"), &module, text, &known);
    let targets: Vec<(usize, String)> =
        refs.iter().map(|r| (r.line, r.target.join("::"))).collect();
    assert_eq!(targets, vec![(1, "a".into()), (2, "a::d".into())]);
    let text = "use d::Thing;";
    assert!(references(Path::new("x.rs"), &module, text, &known).is_empty());

    let reference = Reference {
        file: "x.rs".into(),
        line: 1,
        target: vec![],
    };
    let mut graph: BTreeMap<String, BTreeMap<String, Reference>> = BTreeMap::new();
    graph
        .entry("a".into())
        .or_default()
        .insert("b".into(), reference.clone());
    graph
        .entry("b".into())
        .or_default()
        .insert("c".into(), reference.clone());
    assert!(cycles_in(&graph).is_empty());
    graph
        .entry("c".into())
        .or_default()
        .insert("a".into(), reference);
    assert_eq!(
        cycles_in(&graph),
        vec![vec!["a".to_string(), "b".into(), "c".into()]]
    );
}

/// The most lines a source file may have (docs/architecture.md): past it, split it by job.
const MAX_LINES: usize = 450;

#[test]
fn no_source_file_is_over_the_line_limit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut over = Vec::new();
    for folder in ["src", "tests", "benches"] {
        let mut stack = vec![root.join(folder)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read a source folder") {
                let path = entry.expect("a folder entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read a source file");
                    let lines = text.lines().count();
                    if lines > MAX_LINES {
                        let name = path
                            .strip_prefix(root)
                            .unwrap_or(&path)
                            .display()
                            .to_string();
                        over.push(format!("{name}: {lines} lines"));
                    }
                }
            }
        }
    }
    over.sort();
    assert!(
        over.is_empty(),
        "files over {MAX_LINES} lines (split them by job):\n{}",
        over.join("\n")
    );
}
