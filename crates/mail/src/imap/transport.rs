//! The byte stream under the IMAP session: plain TCP or TLS (rustls with
//! ring, the operating system's root certificates).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;

use super::ImapError;

/// A connection to the IMAP server, encrypted or not, as one type so the
/// session code does not care which.
#[derive(Debug)]
pub(crate) enum Transport {
    /// Plain TCP (`imap://` without STARTTLS, or before STARTTLS).
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Transport {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Transport {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_flush(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Self::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// The system's root certificates, read once per process (a few hundred
/// files).
fn native_roots() -> Result<Arc<rustls::RootCertStore>, String> {
    static ROOTS: OnceLock<Result<Arc<rustls::RootCertStore>, String>> = OnceLock::new();
    ROOTS
        .get_or_init(|| {
            let loaded = rustls_native_certs::load_native_certs();
            let mut roots = rustls::RootCertStore::empty();
            let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
            if added == 0 {
                return Err(format!(
                    "no trusted root certificates found on this system ({} errors reading them)",
                    loaded.errors.len()
                ));
            }
            Ok(Arc::new(roots))
        })
        .clone()
}

/// The certificates of a PEM text (at least one).
pub(crate) fn parse_pem(pem: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("extra CA certificates: {e}"))?;
    if certs.is_empty() {
        return Err("extra CA certificates: no CERTIFICATE in the PEM text".into());
    }
    Ok(certs)
}

/// The client TLS configuration: ring, safe protocol versions, the system's
/// roots plus `extra_ca_pem`.
pub(crate) fn tls_config(extra_ca_pem: Option<&str>) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = match (native_roots(), extra_ca_pem) {
        (Ok(roots), _) => (*roots).clone(),
        (Err(_), Some(_)) => rustls::RootCertStore::empty(),
        (Err(e), None) => return Err(e),
    };
    if let Some(pem) = extra_ca_pem {
        for cert in parse_pem(pem)? {
            roots.add(cert).map_err(|e| format!("extra CA certificate: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Runs the TLS handshake on `tcp`, checking the certificate against `host`.
pub(crate) async fn tls(tcp: TcpStream, host: &str, extra_ca_pem: Option<&str>) -> Result<Transport, ImapError> {
    let fail = |reason: String| ImapError::Tls { host: host.to_owned(), reason };
    let config = tls_config(extra_ca_pem).map_err(fail)?;
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| fail(format!("not a valid server name: {e}")))?;
    let stream = TlsConnector::from(config).connect(name, tcp).await.map_err(|e| fail(e.to_string()))?;
    Ok(Transport::Tls(Box::new(stream)))
}
