//! The one parser for durations (`500ms`, `21d`, `-3d`) and sizes (`1MiB`, `512KB`) used by
//! every field and matcher.

use std::time::Duration;

/// The longest `timeout` or `retry_delay` a check may have (and `--timeout`): 24h. A longer
/// wait is a mistake, and bounding it keeps every deadline computed from it in range.
pub const MAX_WAIT: Duration = Duration::from_secs(24 * 3600);

/// Parses a non-negative duration such as `500ms`, `10s`, `2m`, `1h30m`, `21d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("it is empty".into());
    }
    if t.starts_with('-') {
        return Err("it is negative".into());
    }
    if t.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("it has no unit (write {t}s or {t}ms)"));
    }
    humantime::parse_duration(t).map_err(|e| e.to_string())
}

/// Parses a signed duration in seconds, for comparisons such as `expires_in: { gt: -1d }`.
pub fn parse_signed_seconds(text: &str) -> Result<f64, String> {
    let t = text.trim();
    match t.strip_prefix('-') {
        Some(rest) => parse_duration(rest).map(|d| -d.as_secs_f64()),
        None => parse_duration(t).map(|d| d.as_secs_f64()),
    }
}

/// Parses a size such as `1MiB`, `512KB`, `10 B`, `2GiB` into bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let num: f64 = num
        .parse()
        .map_err(|_| format!("`{t}` does not start with a number"))?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KB" | "kB" => 1_000,
        "KiB" => 1 << 10,
        "MB" => 1_000_000,
        "MiB" => 1 << 20,
        "GB" => 1_000_000_000,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit `{other}` (use B, KB, KiB, MB, MiB, GB or GiB)"
            ));
        }
    };
    let bytes = num * factor as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(format!("`{t}` is out of range"));
    }
    Ok(bytes.round() as u64)
}

/// Whether a text looks like a size (digits then a size unit) rather than a duration.
pub fn looks_like_size(text: &str) -> bool {
    let t = text.trim();
    t.ends_with('B') && parse_size(t).is_ok()
}

/// Formats seconds the way users write them: `21d 3h`, `2.5s`, `-3d 4h`, `120ms`.
pub fn format_seconds(secs: f64) -> String {
    let sign = if secs < 0.0 { "-" } else { "" };
    let s = secs.abs();
    // Each unit is chosen by the value as it will be shown: 0.9996 s is "1s", not "1000ms".
    let body = if s < 0.9995 {
        format!("{}ms", (s * 1000.0).round() as u64)
    } else if s < 59.995 {
        let t = format!("{s:.2}");
        format!("{}s", t.trim_end_matches('0').trim_end_matches('.'))
    } else {
        let total = s.round() as u64;
        let (d, h, m, sec) = (
            total / 86_400,
            (total % 86_400) / 3600,
            (total % 3600) / 60,
            total % 60,
        );
        let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (sec, "s")]
            .iter()
            .filter(|(v, _)| *v > 0)
            .map(|(v, u)| format!("{v}{u}"))
            .collect();
        parts.join(" ")
    };
    format!("{sign}{body}")
}

/// Formats a byte count with binary units: `1 MiB`, `1.5 KiB`, `17 B`.
/// `n` and `one` in the number it takes: `1 error`, `0 errors`, `2 checks`. `one` is a
/// noun whose plural adds an `s`.
pub fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

pub fn format_size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, f) in UNITS {
        if bytes >= f {
            let v = bytes as f64 / f as f64;
            let t = format!("{v:.1}");
            return format!("{} {unit}", t.trim_end_matches(".0"));
        }
    }
    format!("{bytes} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("21d"), Ok(Duration::from_secs(21 * 86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("ten seconds").is_err());
        assert!(parse_duration("-1d").is_err());
        assert_eq!(parse_signed_seconds("-1d"), Ok(-86_400.0));
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512 KB"), Ok(512_000));
        assert_eq!(parse_size("10"), Ok(10));
        assert!(
            parse_size("1 XB")
                .unwrap_err()
                .contains("unknown size unit")
        );
        assert!(looks_like_size("1MiB"));
        assert!(!looks_like_size("21d"));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_seconds(0.12), "120ms");
        assert_eq!(format_seconds(2.5), "2.5s");
        assert_eq!(format_seconds(0.9994), "999ms");
        assert_eq!(format_seconds(0.9996), "1s");
        assert_eq!(format_seconds(59.996), "1m");
        assert_eq!(format_seconds(21.0 * 86_400.0 + 3600.0), "21d 1h");
        assert_eq!(format_seconds(-3.0 * 86_400.0), "-3d");
        assert_eq!(format_size(1 << 20), "1 MiB");
        assert_eq!(format_size(1536), "1.5 KiB");
        assert_eq!(format_size(17), "17 B");
    }
}
