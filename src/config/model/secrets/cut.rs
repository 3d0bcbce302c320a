//! The start of a secret left where a long text was cut to be shown: `"AUTH pr0xy-s3"…`
//! shows the first characters of `pr0xy-s3cret-pw`, which no whole form of it matches.
//! Probes that cut what a server sent mark the cut with an ellipsis.

/// The fewest characters of a secret's start that count as showing it: as many as any run
/// of a secret an output must never show.
const LEAST: usize = 6;

/// Where a text may have been cut: before each ellipsis (`…`, `...`), which every cut made
/// before the reports ends with; with a closing quote before it, before that quote too. (The
/// end of a text is none: a text that merely ends with a secret's first characters, as a
/// message ending in `https://` before a webhook secret, is no cut.)
fn cut_points(text: &str) -> Vec<usize> {
    let mut points = Vec::new();
    let mut push = |at: usize| {
        points.push(at);
        if text[..at].ends_with('"') {
            points.push(at - 1);
        }
    };
    for (at, _) in text.match_indices('…') {
        push(at);
    }
    for (at, _) in text.match_indices("...") {
        push(at);
    }
    points.sort_unstable();
    points.dedup();
    points
}

/// `text` with each start of `value` (`LEAST` characters or more, short of the whole) that
/// ends at a cut point replaced by `marker`, the longest start first.
pub(super) fn redact_cut_starts(text: &str, value: &str, marker: &str) -> String {
    let Some(first) = value.chars().next() else {
        return text.to_string();
    };
    // The longest start first: each place in reach where the value's first character
    // stands, nearest the cut last (so a secret's start is checked once per such place, not
    // once per length).
    let longest = value.len();
    let mut found: Vec<(usize, usize)> = Vec::new();
    for at in cut_points(text) {
        let mut from = at.saturating_sub(longest);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        let hit = text[from..at]
            .char_indices()
            .filter(|(_, c)| *c == first)
            .map(|(i, _)| from + i)
            .find(|&start| {
                let shown = &text[start..at];
                shown.chars().count() >= LEAST
                    && shown.len() < value.len()
                    && value.starts_with(shown)
            });
        if let Some(start) = hit {
            found.push((start, at));
        }
    }
    if found.is_empty() {
        return text.to_string();
    }
    found.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in found {
        if start < last {
            continue;
        }
        out.push_str(&text[last..start]);
        out.push_str(marker);
        last = end;
    }
    out.push_str(&text[last..]);
    out
}
