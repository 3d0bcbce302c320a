//! The matcher keys, and the matchers of the fields that take a closed set of values (rcodes,
//! alerts, versions, key types, EKUs, statuses): every value written must be a member, and keys
//! that can never hold are refused, as the loader does.

use super::{doc, object, one_or_list, or_var, pattern, r, when_map};
use crate::config::closed::{ClosedSet, STATUS_MAX, STATUS_MIN};
use serde_json::{Value, json};

/// A member of a closed set, as the loader takes it (`tests/schema/` holds them equal).
pub(super) fn closed_value(set: &ClosedSet) -> Value {
    let mut any = vec![json!({ "enum": set.values })];
    // `version: 1.3` is a number in YAML.
    let numbers: Vec<f64> = set.values.iter().filter_map(|v| v.parse().ok()).collect();
    if !numbers.is_empty() {
        any.push(json!({ "enum": numbers }));
    }
    if let Some(p) = set.pattern {
        let excluded: Vec<&str> = set.excluded.iter().map(|(e, _)| *e).collect();
        any.push(json!({ "allOf": [pattern(p), { "not": { "enum": excluded } }] }));
    }
    any.push(r("variable"));
    doc(
        json!({ "anyOf": any }),
        &format!("A {}: {}.", set.what, set.values.join(", ")),
    )
}

/// The shape of the value a closed-set matcher meets.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Closed {
    /// One member (rcode, alert, version, key).
    One,
    /// A list of members (EKUs).
    List,
    /// An HTTP status: a number, so comparisons apply, and a list means one of.
    Status,
}

/// A bound of a status comparison that some statuses pass and some fail: a number from
/// `min` to `max` (text is checked by the loader).
fn status_bound(min: i64, max: i64) -> Value {
    json!({ "anyOf": [
        { "type": "number", "minimum": min, "maximum": max },
        pattern(r"^\s*-?[0-9]+(\.[0-9]*)?\s*$"),
        r("variable"),
    ] })
}

/// The matcher of a field that takes `<name>_value`s: the same keys as any matcher, but every
/// value written must be a member, and keys that can never hold for it are refused.
pub(super) fn closed_matcher(name: &str, shape: Closed) -> Value {
    let value = r(&format!("{name}_value"));
    let this = r(&match shape {
        Closed::List => format!("{name}_list_matcher"),
        _ => format!("{name}_matcher"),
    });
    let item = r(&format!("{name}_matcher"));
    let bare = match shape {
        Closed::One => value,
        Closed::List => json!({ "type": "array", "items": value }),
        Closed::Status => {
            json!({ "anyOf": [value.clone(), { "type": "array", "items": value, "minItems": 1 }] })
        }
    };
    let list = shape == Closed::List;
    let refused = Value::Bool(false);
    let props = json!({
        "equals": bare.clone(),
        "one_of": { "type": "array", "items": bare.clone(), "minItems": 1 },
        "contains": if list { item.clone() } else { when_map(this.clone(), r("text")) },
        "matches": r("text"),
        "starts_with": r("text"),
        "ends_with": r("text"),
        "present": r("flag"),
        "absent": r("flag"),
        "gt": if shape == Closed::Status { status_bound(STATUS_MIN, STATUS_MAX - 1) } else { refused.clone() },
        "gte": if shape == Closed::Status { status_bound(STATUS_MIN + 1, STATUS_MAX) } else { refused.clone() },
        "lt": if shape == Closed::Status { status_bound(STATUS_MIN + 1, STATUS_MAX) } else { refused.clone() },
        "lte": if shape == Closed::Status { status_bound(STATUS_MIN, STATUS_MAX - 1) } else { refused.clone() },
        "in_cidr": refused.clone(),
        "not": this.clone(),
        "any_of": { "type": "array", "items": this.clone(), "minItems": 1 },
        "all_of": { "type": "array", "items": this, "minItems": 1 },
        "each": if list { item } else { refused.clone() },
        "count": if list { r("matcher") } else { refused },
        "empty": r("flag"),
        "jwt": refused_jwt(),
    });
    when_map(
        json!({ "type": "object", "properties": props, "additionalProperties": false, "minProperties": 1 }),
        bare,
    )
}

pub(super) fn matcher_properties() -> Value {
    let matchers = json!({ "type": "array", "items": r("matcher"), "minItems": 1 });
    json!({
        "equals": doc(json!({}), "The same value; text and numbers compare by value (\"42\" equals 42)."),
        "contains": doc(r("matcher"), "On text: a substring. On a list: some item matches this matcher."),
        "matches": doc(r("text"), "A regex (Rust syntax) the text matches."),
        "starts_with": doc(r("text"), "A text prefix."),
        "ends_with": doc(r("text"), "A text suffix."),
        "one_of": doc(json!({ "type": "array", "minItems": 1 }), "Equals one of these values."),
        "present": doc(r("flag"), "The header, JSON node or field is there."),
        "absent": doc(r("flag"), "The header, JSON node or field is not there."),
        "gt": doc(r("quantity"), "Greater than a number, duration or size."),
        "gte": doc(r("quantity"), "Greater than or equal to a number, duration or size."),
        "lt": doc(r("quantity"), "Less than a number, duration or size."),
        "lte": doc(r("quantity"), "Less than or equal to a number, duration or size."),
        "in_cidr": doc(one_or_list(r("cidr")), "An IP (or every IP of a list) is in one of these ranges."),
        "not": doc(r("matcher"), "The matcher does not hold."),
        "any_of": doc(matchers.clone(), "At least one of these matchers holds."),
        "all_of": doc(matchers, "Every one of these matchers holds."),
        "each": doc(r("matcher"), "On a list: every item matches."),
        "count": doc(r("matcher"), "On a list: the number of items matches."),
        "empty": doc(r("flag"), "On a list: it has no items (false: it has some)."),
        "jwt": doc(r("jwt"), "A text that is a JWT (compact JWS), decoded without trusting it: header and claims matchers, expires_in, and signed_by a JWKS URL whose key must have signed it. alg none is always refused."),
    })
}

/// `jwt:` cannot hold for a closed set's member (a name or a status, not a token).
fn refused_jwt() -> Value {
    Value::Bool(false)
}

/// The keys of `jwt:`, as `matcher::decode::JWT_KEYS` reads them.
pub(super) fn jwt() -> Value {
    let fields = |what: &str| {
        doc(
            json!({ "type": "object", "additionalProperties": r("matcher") }),
            &format!(
                "{what} names and a matcher for each; a missing one is a mismatch that names it."
            ),
        )
    };
    object(
        json!({
            "signed_by": doc(or_var(pattern(r"^\s*https?://")), "The https URL of the issuer's key set (JWKS; plain http only to a loopback address such as 127.0.0.1): fetched once per run with the environment's trust and resolve: settings and the check's proxy; the key the token's kid names must verify its signature (RS256/384/512, ES256/384, EdDSA)."),
            "header": fields("Header fields (alg, kid, typ):"),
            "claims": fields("Claims (aud, iss, token_use, cognito:groups):"),
            "expires_in": doc(r("matcher"), "On the token's exp minus now, e.g. { gt: 5m }; a token without exp fails it. Without it, a token past its exp fails."),
        }),
        &[],
    )
}
