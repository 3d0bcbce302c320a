//! PEM files named in check and environment files, read and checked at load time.

use super::vars::UNSET;
use crate::syntax::decode::string;
use crate::syntax::diag::Diagnostics;
use crate::syntax::file::{FileError, PEM_CAP, read_capped};
use crate::syntax::node::Node;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// The path as written, joined to the folder of the file that names it.
pub fn resolve_path(base: &Path, written: &str) -> PathBuf {
    let p = Path::new(written.trim());
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

fn read(node: &Node, base: &Path, what: &str, d: &mut Diagnostics) -> Option<(PathBuf, Vec<u8>)> {
    let written = string(node, what, d)?;
    let path = resolve_path(base, &written);
    // A path made of a value the process environment does not set: the check that needs
    // it reports that value, and is never probed without it.
    if written.contains(UNSET) {
        return Some((path, Vec::new()));
    }
    let shown = path.display();
    let message = match read_capped(&path, PEM_CAP) {
        Ok(bytes) => return Some((path, bytes)),
        Err(FileError::Io(e)) => format!("cannot read {what} `{shown}`: {e}"),
        Err(e) => format!("{what} `{shown}` {e}"),
    };
    let expected = "expected a readable PEM file; relative paths start at the folder of this \
                    YAML file";
    d.error(node.pos, message, expected);
    None
}

/// Every certificate in a PEM file (a chain); none is an error.
pub fn read_certs(
    node: &Node,
    base: &Path,
    what: &str,
    d: &mut Diagnostics,
) -> Option<(PathBuf, Vec<CertificateDer<'static>>)> {
    let (path, bytes) = read(node, base, what, d)?;
    if bytes.is_empty() && path.to_string_lossy().contains(UNSET) {
        return Some((path, Vec::new()));
    }
    let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Some((path, certs)),
        Ok(_) => {
            d.error(
                node.pos,
                format!("{what} `{}` holds no certificate", path.display()),
                "expected PEM text with -----BEGIN CERTIFICATE----- blocks",
            );
            None
        }
        Err(e) => {
            d.error(
                node.pos,
                format!("{what} `{}` is not valid PEM: {e}", path.display()),
                "expected PEM text with -----BEGIN CERTIFICATE----- blocks",
            );
            None
        }
    }
}

pub fn read_key(
    node: &Node,
    base: &Path,
    d: &mut Diagnostics,
) -> Option<(PathBuf, PrivateKeyDer<'static>)> {
    let (path, bytes) = read(node, base, "`client_key`", d)?;
    if bytes.is_empty() && path.to_string_lossy().contains(UNSET) {
        return None;
    }
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Some((path, key)),
        Err(e) => {
            d.error(
                node.pos,
                format!(
                    "`client_key` `{}` holds no usable private key: {e}",
                    path.display()
                ),
                "expected a PEM private key (-----BEGIN PRIVATE KEY-----, RSA or EC)",
            );
            None
        }
    }
}
