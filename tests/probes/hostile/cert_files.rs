//! Certificate files that are FIFOs, devices, huge or garbage.

use super::{MIB, SLACK};
use crate::support::*;
use conform::config::model::CertProbe;
use conform::probe::cert;
use conform::probe::{ProbeError, ProbeErrorKind};
use std::path::Path;
use std::time::Instant;

// ---- certificate files that are not what they seem ---------------------------------------

/// Probes the certificate file `file`, expecting the probe to fail.
fn cert_error(file: &Path) -> ProbeError {
    let probe = CertProbe {
        file: file.to_path_buf(),
        tls: Default::default(),
    };
    match cert::probe(&probe) {
        Ok(_) => panic!("probe of {} should have failed", file.display()),
        Err(e) => e,
    }
}

/// The message for a certificate file `file` that is refused before it is read: it `is`
/// something other than a PEM file.
fn not_a_pem_file(file: &Path, is: &str) -> String {
    format!(
        "{} {is}; expected a PEM file with the certificate chain",
        file.display()
    )
}

#[test]
fn a_fifo_as_certificate_file_is_refused_at_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("cert.pem");
    let c_path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path and a mode; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let err = cert_error(&fifo);
    assert!(started.elapsed() < SLACK);
    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &not_a_pem_file(&fifo, "is a FIFO, not a regular file"),
    );
}

#[test]
fn a_device_and_a_huge_file_as_certificate_file_are_refused() {
    let err = cert_error(Path::new("/dev/zero"));
    assert_eq!(
        err.message,
        "/dev/zero is a character device, not a regular file; expected a PEM file with the \
         certificate chain"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let huge = dir.path().join("huge.pem");
    std::fs::write(&huge, vec![b'A'; 3 * MIB]).expect("write");
    let err = cert_error(&huge);
    assert_eq!(err.message, not_a_pem_file(&huge, "is larger than 1 MiB"));
}

#[test]
fn garbage_as_certificate_file_is_no_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("garbage.pem");
    // Binary bytes and a BEGIN line that never ends: no PEM section at all.
    let mut bytes = vec![0u8, 0xff, 0xfe];
    bytes.extend_from_slice(b"-----BEGIN CERTIFICATE-----\n!!!!\n");
    std::fs::write(&file, bytes).expect("write");
    let err = cert_error(&file);
    assert_error(
        &err,
        ProbeErrorKind::Protocol,
        &format!("{} holds no certificate", file.display()),
    );

    // A section that ends but holds no base64 is not valid PEM.
    std::fs::write(
        &file,
        "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
    )
    .expect("write");
    let err = cert_error(&file);
    assert!(
        err.message
            .starts_with(&format!("{} is not valid PEM: ", file.display())),
        "{}",
        err.message
    );
}
