//! Failing closed on the http and tls probes: a server certificate that does not verify is a
//! `fail` (an answer that contradicts the check), not an `error`; redirects carry nothing to
//! another origin and never downgrade https to http unless asked; files read at load time are
//! regular files under a size cap.

use crate::harness::*;
use std::time::Duration;

mod files;
mod hops;
mod redirects;
mod verification;

/// `conform validate` of the project: refused (exit 2), at once.
async fn validate_refused(p: &Project) -> Output {
    let out = p.validate(&[]).await;
    out.assert_code(2);
    out.assert_within(Duration::from_secs(5));
    out
}
