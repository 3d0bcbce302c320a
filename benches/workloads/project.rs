//! The generated project (checks and environment) and the throwaway CA behind its HTTPS server.

use super::HOSTS;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

// ---- the generated project ----

/// `checks/sNN.yaml` (at most 1,000 checks each; check i targets host i % 10) and
/// `environments/bench.yaml` with the `resolve:` rules, the CA and the concurrency settings.
pub(super) fn write_project(
    dir: &Path,
    checks: usize,
    scheme: &str,
    port: u16,
    ca_pem: Option<&str>,
    limits: &str,
) {
    let checks_dir = dir.join("checks");
    let env_dir = dir.join("environments");
    std::fs::create_dir_all(&checks_dir).expect("create checks/");
    std::fs::create_dir_all(&env_dir).expect("create environments/");

    let mut env = String::from("name: bench\nresolve:\n");
    for h in 0..HOSTS {
        let _ = writeln!(env, "  host{h}.bench.test: 127.0.0.1");
    }
    if let Some(ca) = ca_pem {
        std::fs::write(dir.join("ca.pem"), ca).expect("write ca.pem");
        env.push_str("tls: { ca_file: ../ca.pem }\n");
    }
    env.push_str("defaults: { timeout: 10s, retries: 0 }\n");
    env.push_str(limits);
    std::fs::write(env_dir.join("bench.yaml"), env).expect("write environments/bench.yaml");

    const PER_FILE: usize = 1_000;
    for (file, start) in (0..checks).step_by(PER_FILE).enumerate() {
        let mut text = format!("suite: s{file:02}\nchecks:\n");
        for i in start..(start + PER_FILE).min(checks) {
            let host = i % HOSTS;
            let _ = writeln!(
                text,
                "  - name: check {i}\n    http: {{ url: \"{scheme}://host{host}.bench.test:{port}/c/{i}\" }}\n    expect: {{ status: 200 }}"
            );
        }
        std::fs::write(checks_dir.join(format!("s{file:02}.yaml")), text).expect("write checks");
    }
}

// ---- the test PKI ----

pub(super) struct BenchPki {
    pub(super) ca_pem: String,
    leaf_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl BenchPki {
    /// A CA, and a leaf for every bench host name signed by it.
    pub(super) fn new() -> BenchPki {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "conform bench CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("CA key"))
            .expect("CA certificate");
        let names: Vec<String> = (0..HOSTS).map(|h| format!("host{h}.bench.test")).collect();
        let mut params = CertificateParams::new(names).expect("leaf params");
        params
            .distinguished_name
            .push(DnType::CommonName, "host0.bench.test");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().expect("leaf key");
        let leaf = params.signed_by(&key, &ca).expect("leaf certificate");
        BenchPki {
            ca_pem: ca.pem(),
            leaf_der: leaf.der().clone(),
            key_der: key.serialize_der(),
        }
    }

    pub(super) fn server_config(&self) -> Arc<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![self.leaf_der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .expect("server certificate");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Arc::new(config)
    }
}
