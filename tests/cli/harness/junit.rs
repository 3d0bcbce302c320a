//! Reading a JUnit report: its suites, cases and children, each case's verdict, and the counts.

// ---------------------------------------------------------------------------------------------
// JUnit helpers.

pub(crate) fn parse(xml: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("invalid JUnit XML: {e}\n{xml}"))
}

pub(crate) fn suite<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testsuite") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testsuite {name}"))
}

pub(crate) fn case<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
        .unwrap_or_else(|| panic!("no testcase {name}"))
}

pub(crate) fn child<'a>(node: roxmltree::Node<'a, 'a>, tag: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|n| n.has_tag_name(tag))
        .unwrap_or_else(|| panic!("no <{tag}> in <{}>", node.tag_name().name()))
}

pub(crate) fn has_child(node: roxmltree::Node<'_, '_>, tag: &str) -> bool {
    node.children().any(|n| n.has_tag_name(tag))
}

/// One child of a JUnit testcase (`<failure>`, `<error>`, `<skipped>`...): its attributes and
/// text, and the whole report for the messages of failed assertions.
pub(crate) struct Verdict {
    pub(crate) kind: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) text: String,
    pub(crate) xml: String,
}

impl Verdict {
    /// Asserts its `type` and its `message`, exactly.
    #[track_caller]
    pub(crate) fn assert_is(&self, kind: &str, message: &str) {
        assert_eq!(self.kind.as_deref(), Some(kind), "{}", self.xml);
        assert_eq!(self.message.as_deref(), Some(message), "{}", self.xml);
    }

    /// Asserts that its `message` starts with `prefix`.
    #[track_caller]
    pub(crate) fn assert_message_starts_with(&self, prefix: &str) {
        let message = self.message.as_deref().expect("a message");
        assert!(message.starts_with(prefix), "{}", self.xml);
    }
}

/// (tests, failures, errors, skipped) of a testsuite.
pub(crate) fn counts<'a>(node: roxmltree::Node<'a, 'a>) -> [&'a str; 4] {
    ["tests", "failures", "errors", "skipped"].map(|k| node.attribute(k).unwrap_or("-"))
}
