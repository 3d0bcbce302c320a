//! RFC 3339 timestamps, as serde fields.

use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::Error as _};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let text = t
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .map_err(S::Error::custom)?;
    s.serialize_str(&text)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    let text = String::deserialize(d)?;
    OffsetDateTime::parse(&text, &Rfc3339)
        .map_err(|e| D::Error::custom(format!("`{text}` is not an RFC 3339 time: {e}")))
}

/// For people: `2026-11-24T02:00:00Z`.
pub fn text(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

/// An optional RFC 3339 timestamp: written as `null` when absent, read as absent when the
/// field is missing or `null` (reports written before the field existed).
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "super")] OffsetDateTime);
        Ok(Option::<Wrapped>::deserialize(d)?.map(|Wrapped(t)| t))
    }
}
