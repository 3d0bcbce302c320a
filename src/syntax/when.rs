//! The evaluation clock: the moment time-dependent expectations (`expires_in`,
//! `chain_expires_in`, pending `until`, and any later one that reads the time) are judged at.
//! A run carries one [`Clock`]: the real time, or the moment `--at WHEN` names, so that a
//! nightly run can ask "what expires before the next rotation" while its probes stay live.

use super::quantity::parse_duration;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// What `--at` accepts, for its help and its errors.
pub const WHEN_EXAMPLES: &str = "a duration from now such as +30d (or -1d for the past), a date such as 2027-01-15 (midnight UTC) or an RFC 3339 time such as 2027-01-15T10:00:00Z";

/// `--at WHEN` as given: relative to the run's start, or a fixed moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct When {
    /// The text as given, for the reports (`+30d`).
    pub given: String,
    moment: Moment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Moment {
    /// `+30d`, `30d` or `-1d`: from the start of the run.
    After { ahead: bool, by: Duration },
    /// `2027-01-15` (midnight UTC) or an RFC 3339 time.
    Fixed(OffsetDateTime),
}

impl When {
    /// Parses `+30d`, `-1d`, `2027-01-15` or `2027-01-15T10:00:00+02:00`. A moment in the
    /// past is allowed: "as of yesterday".
    pub fn parse(text: &str) -> Result<When, String> {
        let t = text.trim();
        let expected = |what: String| format!("{what}; expected {WHEN_EXAMPLES}");
        let moment = if t.is_empty() {
            return Err(expected("it is empty".into()));
        } else if t.contains(['T', 't']) && t.starts_with(|c: char| c.is_ascii_digit()) {
            let at = OffsetDateTime::parse(t, &Rfc3339).map_err(|_| {
                "it is not an RFC 3339 time: write the seconds and an offset, as in \
                 2027-01-15T10:00:00Z or 2027-01-15T10:00:00+02:00"
                    .to_string()
            })?;
            Moment::Fixed(at.to_offset(UtcOffset::UTC))
        } else if t.starts_with(|c: char| c.is_ascii_digit()) && t.contains('-') {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            let day = Date::parse(t, format)
                .map_err(|_| expected("it is not a date of the calendar (YYYY-MM-DD)".into()))?;
            Moment::Fixed(day.midnight().assume_utc())
        } else {
            let (ahead, rest) = match t.as_bytes()[0] {
                b'+' => (true, &t[1..]),
                b'-' => (false, &t[1..]),
                _ => (true, t),
            };
            if !rest.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(expected(
                    "it is not a duration, a date or an RFC 3339 time".into(),
                ));
            }
            let by = match parse_duration(rest) {
                Ok(by) => by,
                Err(_) if rest.chars().all(|c| c.is_ascii_digit()) => {
                    let sign = if ahead { "+" } else { "-" };
                    return Err(expected(format!(
                        "it has no unit (write {sign}{rest}d for days or {sign}{rest}h for hours)"
                    )));
                }
                Err(e) => return Err(expected(format!("it is not a duration ({e})"))),
            };
            Moment::After { ahead, by }
        };
        let when = When {
            given: t.to_string(),
            moment,
        };
        // Out of range now is out of range at the run's start too.
        when.resolve(OffsetDateTime::now_utc())?;
        Ok(when)
    }

    /// The moment this names for a run that started at `start`.
    pub fn resolve(&self, start: OffsetDateTime) -> Result<OffsetDateTime, String> {
        let out_of_range = || format!("it is out of range; expected {WHEN_EXAMPLES}");
        match self.moment {
            Moment::Fixed(at) => Ok(at),
            Moment::After { ahead, by } => {
                let by = time::Duration::try_from(by).map_err(|_| out_of_range())?;
                let at = if ahead {
                    start.checked_add(by)
                } else {
                    start.checked_sub(by)
                };
                at.ok_or_else(out_of_range)
            }
        }
    }
}

/// The clock a run judges by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The real time, read at each judgement.
    Live,
    /// One moment, not shown in messages (a replay, a test).
    Fixed(OffsetDateTime),
    /// `--at WHEN`: one moment, named in every message that depends on it.
    At(AsOf),
}

/// The moment `--at` asked for, and how it was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsOf {
    /// In UTC.
    pub moment: OffsetDateTime,
    /// `--at` as given (`+30d`, `2027-01-15`).
    pub given: String,
}

impl AsOf {
    /// `judged as of 2027-01-03T10:00:00Z (+30d)`: the line every report gives under `--at`.
    pub fn line(&self) -> String {
        format!("judged as of {} ({})", rfc3339(self.moment), self.given)
    }
}

impl Clock {
    /// The clock of a run that started at `start`: `--at` when given, else the real time.
    pub fn for_run(at: Option<&When>, start: OffsetDateTime) -> Clock {
        match at.map(|when| (when, when.resolve(start))) {
            Some((when, Ok(moment))) => Clock::At(AsOf {
                moment: moment
                    .to_offset(UtcOffset::UTC)
                    .replace_nanosecond(0)
                    .unwrap_or(moment),
                given: when.given.clone(),
            }),
            // Checked in range when parsed; a run that starts years later is not expected.
            Some((when, Err(_))) => Clock::At(AsOf {
                moment: start,
                given: when.given.clone(),
            }),
            None => Clock::Live,
        }
    }

    /// The moment to judge at.
    pub fn now(&self) -> OffsetDateTime {
        match self {
            Clock::Live => OffsetDateTime::now_utc(),
            Clock::Fixed(t) => *t,
            Clock::At(as_of) => as_of.moment,
        }
    }

    /// The day (UTC) to judge at, for pending `until`.
    pub fn today(&self) -> Date {
        self.now().to_offset(UtcOffset::UTC).date()
    }

    /// `--at`'s moment, when the run was asked to judge as of one.
    pub fn as_of(&self) -> Option<&AsOf> {
        match self {
            Clock::At(as_of) => Some(as_of),
            Clock::Live | Clock::Fixed(_) => None,
        }
    }

    /// `, as of 2027-01-03T10:00:00Z` under `--at`; empty otherwise. Appended to a judgement
    /// that depends on the time, so that the shift shows in its message.
    pub fn as_of_suffix(&self) -> String {
        self.as_of()
            .map(|a| format!(", as of {}", rfc3339(a.moment)))
            .unwrap_or_default()
    }
}

/// `2027-01-03T10:00:00Z`: RFC 3339 in UTC, whole seconds unless the moment has a fraction.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const START: OffsetDateTime = datetime!(2026-12-04 10:00:00 UTC);

    fn at(text: &str) -> Result<OffsetDateTime, String> {
        When::parse(text)?.resolve(START)
    }

    #[test]
    fn durations_count_from_the_start_either_way() {
        assert_eq!(at("+30d"), Ok(datetime!(2027-01-03 10:00:00 UTC)));
        assert_eq!(at("30d"), Ok(datetime!(2027-01-03 10:00:00 UTC)));
        assert_eq!(at("-1d"), Ok(datetime!(2026-12-03 10:00:00 UTC)));
        assert_eq!(at("+1h30m"), Ok(datetime!(2026-12-04 11:30:00 UTC)));
    }

    #[test]
    fn dates_are_midnight_utc_and_times_keep_their_offset() {
        assert_eq!(at("2027-01-15"), Ok(datetime!(2027-01-15 00:00:00 UTC)));
        assert_eq!(
            at("2027-01-15T10:00:00+02:00"),
            Ok(datetime!(2027-01-15 08:00:00 UTC))
        );
        assert_eq!(
            at("2020-01-01T00:00:00Z"),
            Ok(datetime!(2020-01-01 0:00 UTC))
        );
    }

    #[test]
    fn bad_values_say_what_is_expected() {
        let tail = format!("; expected {WHEN_EXAMPLES}");
        for (text, head) in [
            ("", "it is empty"),
            ("soon", "it is not a duration, a date or an RFC 3339 time"),
            (
                "+30",
                "it has no unit (write +30d for days or +30h for hours)",
            ),
            ("-7", "it has no unit (write -7d for days or -7h for hours)"),
            (
                "+30x",
                "it is not a duration (unknown time unit \"x\", supported units: ns, us/µs, ms, sec, min, hours, days, weeks, months, years (and few variations))",
            ),
            (
                "2027-13-01",
                "it is not a date of the calendar (YYYY-MM-DD)",
            ),
            ("+99999999y", "it is out of range"),
        ] {
            assert_eq!(When::parse(text), Err(format!("{head}{tail}")), "{text}");
        }
        assert_eq!(
            When::parse("2027-01-15T10:00"),
            Err(
                "it is not an RFC 3339 time: write the seconds and an offset, as in \
                 2027-01-15T10:00:00Z or 2027-01-15T10:00:00+02:00"
                    .into()
            )
        );
    }

    #[test]
    fn only_at_names_its_moment() {
        let when = When::parse("+30d").unwrap();
        let clock = Clock::for_run(Some(&when), START);
        assert_eq!(clock.now(), datetime!(2027-01-03 10:00:00 UTC));
        assert_eq!(clock.today(), time::macros::date!(2027 - 01 - 03));
        assert_eq!(clock.as_of_suffix(), ", as of 2027-01-03T10:00:00Z");
        let line = clock.as_of().map(AsOf::line);
        assert_eq!(
            line.as_deref(),
            Some("judged as of 2027-01-03T10:00:00Z (+30d)")
        );
        assert_eq!(Clock::Fixed(START).as_of_suffix(), "");
        assert_eq!(Clock::for_run(None, START), Clock::Live);
    }
}
