//! The start of a secret left where a long text was cut to be shown: `"AUTH pr0xy-s3"…`
//! shows the first characters of `pr0xy-s3cret-pw`, which no whole form of it matches.

/// The fewest characters of a secret's start that count as showing it: as many as any run
/// of a secret an output must never show.
const LEAST: usize = 6;

/// Where a text may have been cut: its end, and before each ellipsis (`…`, `...`); with a
/// closing quote before either, before that quote too.
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
    push(text.len());
    points.sort_unstable();
    points.dedup();
    points
}

/// `text` with each start of `value` (`LEAST` characters or more, short of the whole) that
/// ends at a cut point replaced by `marker`, the longest start first.
pub(super) fn redact_cut_starts(text: &str, value: &str, marker: &str) -> String {
    // The byte ends of the starts, shortest first.
    let ends: Vec<usize> = value.char_indices().map(|(i, _)| i).skip(LEAST).collect();
    if ends.is_empty() {
        return text.to_string();
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    for at in cut_points(text) {
        if let Some(start) = ends
            .iter()
            .rev()
            .map(|&end| &value[..end])
            .find(|start| text[..at].ends_with(start))
        {
            found.push((at - start.len(), at));
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
