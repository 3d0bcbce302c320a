//! Reading the source: the modules of `src/` and the paths each file names, resolved to the
//! module they point into.

use super::{ModPath, Reference};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every module of the crate that has a file, keyed by its path (`report::json::merge`).
pub(crate) fn modules_under(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    let mut modules = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read a source folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut module: ModPath = relative
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module
                .last()
                .is_some_and(|last| last == "mod" || last == "lib")
            {
                module.pop();
            }
            if module == ["main"] {
                continue; // the binary, a separate crate
            }
            modules.insert(module, path);
        }
    }
    modules
}

/// The modules a file refers to, with the line of each reference.
pub(crate) fn references(
    file: &Path,
    module: &ModPath,
    text: &str,
    known: &BTreeSet<ModPath>,
) -> Vec<Reference> {
    let code = strip_comments_and_strings(text);
    // `use super::*` brings the parent's modules into scope by their names.
    let glob_super = code.contains("use super::*");
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    // The inline modules (`mod tests { … }`) open at each point, with the depth they close at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => {
                depth += 1;
                i += 1;
                continue;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                i += 1;
                continue;
            }
            _ => {}
        }
        let at_word = i == 0 || !is_ident(bytes[i - 1]);
        if at_word && code[i..].starts_with("mod ") {
            let rest = &code[i + 4..];
            let name: String = rest.chars().take_while(|c| is_ident(*c as u8)).collect();
            let after = rest[name.len()..].trim_start();
            if after.starts_with('{') {
                inline.push((name, depth));
            }
        }
        if at_word && code[i..].starts_with("use ") {
            let end = code[i..].find(';').map_or(code.len(), |e| i + e);
            let here = current(module, &inline);
            for path in expand_use_tree(code[i + 4..end].trim()) {
                let target = resolve(&here, &path, known)
                    .or_else(|| in_scope(&here, &path, known, glob_super));
                if let Some(target) = target {
                    found.push(Reference {
                        file: file.to_path_buf(),
                        line: line_of(text, i),
                        target,
                    });
                }
            }
            i = end;
            continue;
        }
        if at_word && (code[i..].starts_with("crate::") || code[i..].starts_with("super::")) {
            let len = code[i..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(code.len() - i);
            let path: Vec<String> = code[i..i + len]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let here = current(module, &inline);
            if let Some(target) = resolve(&here, &path, known) {
                found.push(Reference {
                    file: file.to_path_buf(),
                    line: line_of(text, i),
                    target,
                });
            }
            i += len;
            continue;
        }
        i += 1;
    }
    found
}

fn current(module: &ModPath, inline: &[(String, usize)]) -> ModPath {
    module
        .iter()
        .cloned()
        .chain(inline.iter().map(|(name, _)| name.clone()))
        .collect()
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

/// `crate::a::{b, c::{d, e}}` → `[crate a b]`, `[crate a c d]`, `[crate a c e]`.
fn expand_use_tree(tree: &str) -> Vec<Vec<String>> {
    fn walk(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = tree[..open]
                .split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            let close = tree.rfind('}').unwrap_or(tree.len());
            let inner = &tree[open + 1..close];
            let base: Vec<String> = prefix.iter().cloned().chain(head).collect();
            let mut level = 0;
            let mut start = 0;
            for (k, c) in inner.char_indices() {
                match c {
                    '{' => level += 1,
                    '}' => level -= 1,
                    ',' if level == 0 => {
                        walk(&base, &inner[start..k], out);
                        start = k + 1;
                    }
                    _ => {}
                }
            }
            walk(&base, &inner[start..], out);
        } else {
            let path = tree.split(" as ").next().unwrap_or(tree);
            out.push(
                prefix
                    .iter()
                    .cloned()
                    .chain(
                        path.split("::")
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned),
                    )
                    .collect(),
            );
        }
    }
    let mut out = Vec::new();
    walk(&[], tree, &mut out);
    out
}

/// The known module a path points into, if it is a path inside this crate.
fn resolve(here: &ModPath, path: &[String], known: &BTreeSet<ModPath>) -> Option<ModPath> {
    let mut absolute: ModPath = match path.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") | Some("self") => here.clone(),
        _ => return None,
    };
    let mut rest = &path[1..];
    if path[0] == "super" {
        absolute.pop();
    }
    while rest.first().is_some_and(|s| s == "super") {
        absolute.pop();
        rest = &rest[1..];
    }
    absolute.extend(rest.iter().filter(|s| *s != "*" && *s != "self").cloned());
    // The longest prefix that is a module with a file.
    while !absolute.is_empty() && !known.contains(&absolute) {
        absolute.pop();
    }
    Some(absolute)
}

/// A `use` path that starts with a name rather than `crate`, `super` or `self`: a child module
/// of `here`, or, in a file that imports `super::*`, a sibling; any other name (`std`, a
/// crate) is outside this crate.
fn in_scope(
    here: &ModPath,
    path: &[String],
    known: &BTreeSet<ModPath>,
    glob_super: bool,
) -> Option<ModPath> {
    let first = path.first()?;
    let child: ModPath = here.iter().chain([first]).cloned().collect();
    let module = if known.contains(&child) {
        child
    } else {
        let parent = here.split_last()?.1;
        let sibling: ModPath = parent.iter().chain([first]).cloned().collect();
        if !glob_super || !known.contains(&sibling) {
            return None;
        }
        sibling
    };
    let absolute: Vec<String> = std::iter::once("crate".to_string())
        .chain(module)
        .chain(path[1..].iter().cloned())
        .collect();
    resolve(here, &absolute, known)
}

/// The text with comments and the insides of string and char literals blanked, lengths kept.
fn strip_comments_and_strings(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut out[from..to] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |e| i + e);
            blank(&mut out, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let end = text[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            blank(&mut out, i, end);
            i = end;
        } else if b[i] == b'r'
            && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
            && (i == 0 || !is_ident(b[i - 1]))
        {
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let closing = format!("\"{}", "#".repeat(hashes));
            let start = i + 2 + hashes;
            let end = text[start..]
                .find(&closing)
                .map_or(b.len(), |e| start + e + closing.len());
            blank(
                &mut out,
                start,
                end.saturating_sub(closing.len()).max(start),
            );
            i = end;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, i + 1, j.min(b.len()));
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '{') or a lifetime ('a): blank only a literal.
            let literal_len = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else {
                let ch_len = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(ch_len + 2)
            };
            match literal_len {
                Some(len) => {
                    blank(&mut out, i + 1, i + len - 1);
                    i += len;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
