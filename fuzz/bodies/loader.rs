//! Any text, decoded as a check file: diagnostics, never a panic.

/// Decodes `data`, if it is UTF-8, as a whole check file.
pub fn run(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = conform::config::load::load_check_text(text);
    }
}
