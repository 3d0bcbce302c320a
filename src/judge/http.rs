use super::Mismatch;
use crate::probe::HttpObservation;
use crate::spec::model::HttpExpect;

pub fn judge_http(
    _e: &HttpExpect,
    _o: &HttpObservation,
    _now: time::OffsetDateTime,
) -> Vec<Mismatch> {
    Vec::new()
}
