use super::*;

fn value(text: &str) -> NodeValue {
    parse_document(text).expect("parses").value
}

fn message(text: &str) -> (Pos, String) {
    let e = parse_document(text).expect_err("fails");
    (e.pos, e.message)
}

fn map(entries: &[(&str, NodeValue)]) -> NodeValue {
    NodeValue::Map(
        entries
            .iter()
            .map(|(k, v)| {
                (
                    Node {
                        pos: Pos::default(),
                        value: NodeValue::Str(k.to_string()),
                    },
                    Node {
                        pos: Pos::default(),
                        value: v.clone(),
                    },
                )
            })
            .collect(),
    )
}

/// The tree without positions, to compare shapes.
fn shape(node: &Node) -> NodeValue {
    match &node.value {
        NodeValue::Seq(items) => NodeValue::Seq(
            items
                .iter()
                .map(|n| Node {
                    pos: Pos::default(),
                    value: shape(n),
                })
                .collect(),
        ),
        NodeValue::Map(entries) => NodeValue::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let at = |n: &Node| Node {
                        pos: Pos::default(),
                        value: shape(n),
                    };
                    (at(k), at(v))
                })
                .collect(),
        ),
        v => v.clone(),
    }
}

#[test]
fn plain_scalars_follow_the_core_schema() {
    use NodeValue::*;
    let cases: &[(&str, NodeValue)] = &[
        ("~", Null),
        ("null", Null),
        ("NULL", Null),
        ("true", Bool(true)),
        ("FALSE", Bool(false)),
        ("yes", Str("yes".into())),
        ("302", Int(302)),
        ("-7", Int(-7)),
        ("+7", Int(7)),
        ("0127", Int(127)),
        ("0x1f", Int(31)),
        ("0o17", Int(15)),
        ("0x", Str("0x".into())),
        ("0o8", Str("0o8".into())),
        ("1.5", Float(1.5)),
        ("-.5", Float(-0.5)),
        ("1e3", Float(1000.0)),
        ("2.", Float(2.0)),
        ("1e", Str("1e".into())),
        (".inf", Float(f64::INFINITY)),
        ("-.Inf", Float(f64::NEG_INFINITY)),
        ("99999999999999999999", Float(1e20)),
        ("1_000", Str("1_000".into())),
        ("2026-12-31", Str("2026-12-31".into())),
        ("1.2.3", Str("1.2.3".into())),
        ("-x", Str("-x".into())),
        ("+", Str("+".into())),
        (".", Str(".".into())),
        ("inf", Str("inf".into())),
        ("30s", Str("30s".into())),
    ];
    for (text, expected) in cases {
        let node = parse_document(&format!("a: {text}\n")).expect("parses");
        assert_eq!(shape(&node), map(&[("a", expected.clone())]), "{text}");
    }
    let NodeValue::Map(m) = value("a: .nan") else {
        panic!("not a map")
    };
    assert!(matches!(m[0].1.value, Float(f) if f.is_nan()));
}

#[test]
fn quoted_and_block_scalars_are_strings() {
    let node = parse_document("a: '302'\nb: \"true\"\nc: |\n  null\nd: ''\n").unwrap();
    assert_eq!(
        shape(&node),
        map(&[
            ("a", NodeValue::Str("302".into())),
            ("b", NodeValue::Str("true".into())),
            ("c", NodeValue::Str("null\n".into())),
            ("d", NodeValue::Str("".into())),
        ])
    );
}

#[test]
fn tags_keep_text_or_insist_on_a_type() {
    let node =
        parse_document("a: !!str 302\nb: ! 302\nc: !!int 302\nd: !!float 3\ne: !!bool true\n")
            .unwrap();
    assert_eq!(
        shape(&node),
        map(&[
            ("a", NodeValue::Str("302".into())),
            ("b", NodeValue::Str("302".into())),
            ("c", NodeValue::Int(302)),
            ("d", NodeValue::Float(3.0)),
            ("e", NodeValue::Bool(true)),
        ])
    );
    assert_eq!(
        message("a: !!int abc\n"),
        (
            Pos {
                line: 1,
                column: 10
            },
            "invalid YAML: `abc` is not an integer, as its tag `!!int` says".into()
        )
    );
    assert_eq!(
        message("a: !env HOME\n"),
        (
            Pos { line: 1, column: 9 },
            "invalid YAML: the tag `!env` is not supported here".into()
        )
    );
    assert_eq!(
        message("a: !!set { x }\n").1,
        "invalid YAML: the tag `!!set` is not supported here"
    );
}

#[test]
fn aliases_copy_the_anchored_node() {
    let node = parse_document("a: &h { x: 1 }\nb: *h\n").unwrap();
    let inner = map(&[("x", NodeValue::Int(1))]);
    assert_eq!(shape(&node), map(&[("a", inner.clone()), ("b", inner)]));
    // The copy stands where the alias is.
    assert_eq!(node.get("b").unwrap().pos, Pos { line: 2, column: 4 });
}

#[test]
fn merge_keys_add_what_the_mapping_lacks() {
    let text = "d: &d { timeout: 5s, retries: 2 }\n\
                e: &e { retries: 9, tags: [x] }\n\
                c:\n  <<: [*d, *e]\n  retries: 0\n  name: n\n";
    let node = parse_document(text).unwrap();
    assert_eq!(
        shape(node.get("c").unwrap()),
        map(&[
            ("retries", NodeValue::Int(0)),
            ("name", NodeValue::Str("n".into())),
            ("timeout", NodeValue::Str("5s".into())),
            (
                "tags",
                NodeValue::Seq(vec![Node {
                    pos: Pos::default(),
                    value: NodeValue::Str("x".into())
                }])
            ),
        ])
    );
    assert_eq!(
        message("a: &a 1\nb: { <<: *a }\n"),
        (
            Pos {
                line: 2,
                column: 10
            },
            "invalid YAML: the merge key `<<` is given something other than a mapping".into()
        )
    );
    // A quoted `<<` is an ordinary key.
    let node = parse_document("'<<': 1\n").unwrap();
    assert_eq!(shape(&node), map(&[("<<", NodeValue::Int(1))]));
}

#[test]
fn aliases_that_expand_too_far_are_refused() {
    // Nine levels of ten aliases each would be a billion nodes.
    let mut text = String::from("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..9 {
        let prev = level - 1;
        let refs = vec![format!("*l{prev}"); 10].join(", ");
        text.push_str(&format!("l{level}: &l{level} [{refs}]\n"));
    }
    let start = std::time::Instant::now();
    let (pos, msg) = message(&text);
    assert_eq!(
        msg,
        format!("invalid YAML: aliases copy more than {ALIAS_NODES} nodes")
    );
    assert_eq!(pos.line, 5);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn nesting_is_bounded_also_through_aliases() {
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(
        message(&deep),
        (
            Pos {
                line: 1,
                column: 129
            },
            format!("invalid YAML: nested more than {MAX_DEPTH} levels deep")
        )
    );
    let half = MAX_DEPTH / 2 + 1;
    let text = format!(
        "a: &a {}1{}\nb: {}*a{}\n",
        "[".repeat(half),
        "]".repeat(half),
        "[".repeat(half),
        "]".repeat(half)
    );
    assert_eq!(
        message(&text).1,
        format!("invalid YAML: nested more than {MAX_DEPTH} levels deep")
    );
}

#[test]
fn one_document_per_file() {
    assert_eq!(
        message("a: 1\n---\nb: 2\n"),
        (
            Pos { line: 2, column: 1 },
            "invalid YAML: a second document in one file".into()
        )
    );
    assert_eq!(
        shape(&parse_document("---\na: 1\n...\n").unwrap()),
        map(&[("a", NodeValue::Int(1))])
    );
    assert_eq!(value("# only a comment\n"), NodeValue::Null);
}

#[test]
fn syntax_errors_say_where_and_what() {
    assert_eq!(
        message("a: [1, 2\nb: 3\n"),
        (
            Pos { line: 2, column: 2 },
            "invalid YAML: illegal placement of ':' indicator".into()
        )
    );
    assert_eq!(
        message("a: *nothing\n").1,
        "invalid YAML: while parsing node, found unknown anchor"
    );
}
