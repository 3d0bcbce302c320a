//! The YAML reader against an independent one (serde-saphyr, YAML 1.2 booleans): the shipped
//! check, environment and claims files, and a set of tricky documents, read the same.

use conform::syntax::node::{Node, NodeValue};
use serde_json::Value;

fn json(node: &Node) -> Value {
    match &node.value {
        NodeValue::Null => Value::Null,
        NodeValue::Bool(b) => Value::Bool(*b),
        NodeValue::Int(i) => Value::from(*i),
        NodeValue::Float(f) => Value::from(*f),
        NodeValue::Str(s) => Value::String(s.clone()),
        NodeValue::Seq(items) => Value::Array(items.iter().map(json).collect()),
        NodeValue::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default(), json(v)))
                .collect(),
        ),
    }
}

fn independent(text: &str) -> Value {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options).expect("the independent reader reads it")
}

fn same(text: &str, what: &str) {
    let ours = Node::parse(text).unwrap_or_else(|e| panic!("{what}: {e:?}"));
    assert_eq!(json(&ours), independent(text), "{what}");
}

#[test]
fn shipped_files_read_the_same() {
    let mut count = 0;
    for folder in ["checks", "environments", "."] {
        for entry in std::fs::read_dir(folder).expect("folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path).expect("read");
                same(&text, &path.display().to_string());
                count += 1;
            }
        }
    }
    assert!(count >= 10, "{count} files");
}

#[test]
fn tricky_documents_read_the_same() {
    let cases = [
        "a: 1\nb: -2\nc: +3\nd: 1.5\ne: 1e3\nh: ~\ni: null\nj:\n",
        "a: true\nb: False\nc: yes\nd: no\ne: on\nf: y\n",
        "a: '1'\nb: \"2\"\nc: |\n  x\n  y\nd: >\n  folded\n  text\ne: |-\n  kept\n",
        "a: 0x1f\nb: 0o17\nc: 2026-12-31\nd: 1.2.3\ne: 30s\nf: 99999999999999999999\n",
        "a: &x { k: v, n: [1, 2] }\nb: *x\nc: [*x, *x]\n",
        "base: &b { timeout: 5s, retries: 2 }\ncheck:\n  <<: *b\n  retries: 0\n",
        "a: &a { x: 1 }\nb: &b { x: 2, y: 2 }\nc: { <<: [*a, *b], z: 3 }\n",
        "url: https://x.test/a?b=c#d\nheader: 'Bearer ${secret:T}'\nregex: /^a.*b$/\n",
        "k: !!str 302\nm: !!int 7\nf: !!float 2.5\n",
        "---\nlist:\n- a\n- b:\n    c: d\n...\n",
        "\"quoted key\": 1\n? complex\n: 2\nempty: ''\nunicode: \"\\u00e9\\t\"\n",
    ];
    for text in cases {
        same(text, text);
    }
}
