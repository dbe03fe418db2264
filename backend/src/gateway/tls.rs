//! Optional TLS for the gateway (`--gateway-tls-cert`, `--gateway-tls-key`):
//! a class's passwords cross the campus network. rustls with the ring
//! provider (the one reqwest already brings: no OpenSSL, no cmake);
//! redis-py's `ssl=True` / `rediss://` and `redis-cli --tls` connect.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub type Acceptor = tokio_rustls::TlsAcceptor;

/// A PEM certificate chain and its PEM private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// Reads both files; why not, naming the file.
    pub fn acceptor(&self) -> Result<Acceptor, String> {
        let certs = CertificateDer::pem_file_iter(&self.cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|err| format!("cannot read the certificate {}: {err}", self.cert.display()))?;
        if certs.is_empty() {
            return Err(format!("no certificate in {}", self.cert.display()));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key)
            .map_err(|err| format!("cannot read the private key {}: {err}", self.key.display()))?;
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|err| err.to_string())?
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .map_err(|err| format!("the certificate and key do not go together: {err}"))?;
        Ok(Acceptor::from(Arc::new(config)))
    }
}
