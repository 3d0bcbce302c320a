//! What the judge reports of an expectation that did not hold: the field looked at, the
//! matcher as written, the value seen, and why when those do not say it. Results and reports
//! carry it, so it lives here, below the judge and the reports alike.

use std::fmt;

/// One expectation that did not hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Mismatch {
    /// What was looked at: `status`, `header location`, `body json $.errors`, `cert expires_in`.
    pub field: String,
    pub expected: String,
    pub actual: String,
    /// Why, when the expected and actual values alone do not say it.
    pub note: Option<String>,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected {}, got {}",
            self.field, self.expected, self.actual
        )?;
        if let Some(note) = &self.note {
            write!(f, " ({note})")?;
        }
        Ok(())
    }
}
