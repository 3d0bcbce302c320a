//! Certificate expectations, shared by every probe that sees a certificate.

use super::Mismatch;
use crate::spec::model::CertExpect;

/// Judges the leaf certificate (DER) against `expect`. `None` means no certificate was
/// presented (plain http), which fails every certificate expectation.
pub fn judge_cert(
    _expect: &CertExpect,
    _leaf: Option<&[u8]>,
    _now: time::OffsetDateTime,
) -> Vec<Mismatch> {
    Vec::new()
}
