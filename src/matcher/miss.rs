//! Why a matcher does not hold of a value.

/// A matcher that does not hold: the error of [`Matcher::test`](super::Matcher::test).
///
/// `why` is `None` when the expected and actual values say it all (`302` against `200`), and
/// `Some` when there is more to say: which item of a list failed, an address outside every
/// range, or a question that cannot be asked of this value (`matches` on a number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Miss {
    pub why: Option<String>,
}

impl Miss {
    /// A miss with nothing to add to the expected and actual values.
    pub const PLAIN: Miss = Miss { why: None };

    /// A miss with a reason.
    pub fn because(why: impl Into<String>) -> Miss {
        Miss {
            why: Some(why.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Miss;
    use crate::matcher::Actual;
    use crate::matcher::tests::{m, n, set, t};

    /// A miss says why only when the expected and actual values do not say it all.
    #[test]
    fn a_miss_carries_a_reason_only_when_there_is_one() {
        assert_eq!(m("302").test(&n(200.0)), Err(Miss::PLAIN));
        assert_eq!(
            m("{present: true}").test(&Actual::Absent),
            Err(Miss { why: None })
        );
        assert_eq!(m("{not: 404}").test(&n(404.0)), Err(Miss::PLAIN));
        assert_eq!(m("{one_of: [a, b]}").test(&t("c")), Err(Miss::PLAIN));
        assert_eq!(
            m("{in_cidr: [10.0.0.0/8]}").test(&t("192.0.2.1")),
            Err(Miss {
                why: Some("192.0.2.1 is outside every range".to_string())
            })
        );
        assert_eq!(
            m("{count: {gt: 2}}").test(&set(&["a", "b"])),
            Err(Miss::because("it has 2 items"))
        );
        assert_eq!(
            m("{gte: 200, lt: 300}").test(&n(300.0)),
            Err(Miss::because("not < 300"))
        );
        assert_eq!(
            m("{matches: x}").test(&set(&["a"])),
            Err(Miss::because("`matches` needs text"))
        );
    }
}
