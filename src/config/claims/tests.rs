use super::*;

fn decode(text: &str) -> (ClaimBook, Vec<String>) {
    let root = Node::parse(text).unwrap();
    let file = Path::new("claims.yaml");
    let mut d = Diagnostics::new(file);
    let book = decode_book(&root, file, &["prod".into(), "dev".into()], &mut d);
    (book, d.list.iter().map(|e| e.to_string()).collect())
}

#[test]
fn ids_are_words_with_separators() {
    assert!(valid_id("chat-root"));
    assert!(valid_id("chat/root.v2_a"));
    assert!(!valid_id("-chat"));
    assert!(!valid_id("chat root"));
    assert!(!valid_id(""));
    assert!(!valid_id("chat:${x}"));
}

#[test]
fn a_whole_book_decodes_in_order() {
    let (book, errors) = decode(
        "title: T\nsections:\n  - title: A\n    claims:\n      - { id: a, text: one, envs: [prod], note: n, notes: { c/x: y } }\n      - { id: b, text: two, not_checkable: why }\n",
    );
    assert_eq!(errors, Vec::<String>::new());
    let ids: Vec<&str> = book.claims().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    let a = book.get("a").unwrap();
    assert_eq!(a.envs, Some(vec!["prod".to_string()]));
    assert_eq!(a.notes[0].0, "c/x");
    assert_eq!(a.pos, Pos { line: 5, column: 9 });
    assert_eq!(book.get("b").unwrap().not_checkable.as_deref(), Some("why"));
}

#[test]
fn an_unknown_env_is_corrected() {
    let (_, errors) =
        decode("sections:\n  - title: A\n    claims:\n      - { id: a, text: one, envs: [prd] }\n");
    assert_eq!(
        errors,
        [
            "claims.yaml:4:36: `envs` names `prd`, which is not an environment; did you mean `prod`? expected one of: prod, dev"
        ]
    );
}
