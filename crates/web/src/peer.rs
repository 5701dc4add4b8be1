//! Who is on the other end: the client's address, for the desk's record of
//! where a message came from and for sign-in limits.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;
use tessera_core::ticket::Source;
use tessera_desk::Origin;

/// The origin of a request made from the web UI.
pub fn origin(peer: &Peer) -> Origin {
    Origin { channel: Source::Web, ip: peer.0.clone(), mail: None }
}

/// The client's address, when the server runs with connect info.
pub struct Peer(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())))
    }
}
