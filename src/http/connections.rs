//! Open client connections, counted in all and per client address (`MAX_CONNECTIONS`,
//! `MAX_CONNECTIONS_PER_IP`), so that one client cannot hold every descriptor of the process.
//!
//! actix's own `max_connections` (per worker) stops accepting once the total is reached: further
//! clients wait in the kernel's backlog, holding no descriptor of ours. The count per address is
//! taken when a connection is accepted; a connection over its address's share is answered
//! `503 TOO_MANY_CONNECTIONS` on its first request and closed. Slow clients cannot hold one
//! forever: actix drops a connection whose request head is not complete within
//! `REQUEST_BODY_TIMEOUT_MS`, and the handlers time out body reads.

use std::{
    any::Any,
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

use actix_web::{
    body::MessageBody,
    dev::{Extensions, ServiceRequest, ServiceResponse},
    http::{ConnectionType, StatusCode},
    middleware::Next,
};

use super::errors;
use crate::error::ErrorCode;

#[derive(Debug)]
pub struct ConnectionLimits {
    per_ip: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One open connection, kept in actix's connection data; dropped when the connection closes.
pub struct OpenConnection {
    limits: Arc<ConnectionLimits>,
    ip: IpAddr,
    /// The address held more than its share when this connection was accepted.
    pub over_limit: bool,
}

impl ConnectionLimits {
    pub fn new(per_ip: usize) -> Arc<Self> {
        Arc::new(Self {
            per_ip,
            open: Mutex::default(),
        })
    }

    /// For `HttpServer::on_connect`: counts the connection and records it in `extensions`.
    pub fn on_connect(self: &Arc<Self>, connection: &dyn Any, extensions: &mut Extensions) {
        let Some(stream) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() else {
            return;
        };
        // A response is written as headers, then body: with Nagle's algorithm the body waited for
        // the client's delayed ACK of the headers, 40 ms per response for a browser on a kept-alive
        // connection (BENCHMARKS.md, run 9). Failing to set it only costs that latency.
        let _ = stream.set_nodelay(true);
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let ip = client_address(peer.ip());
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(ip).or_insert(0);
        *count += 1;
        let over_limit = *count > self.per_ip;
        extensions.insert(OpenConnection {
            limits: self.clone(),
            ip,
            over_limit,
        });
    }
}

/// The address a client is counted by: an IPv4 address, or an IPv6 address's /64 network (one
/// host commonly holds a whole /64, so counting single IPv6 addresses would let it open a fresh
/// budget per address).
pub fn client_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(std::net::Ipv6Addr::from(network))
            }
        },
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let mut open = self
            .limits
            .open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Middleware: answers `503 TOO_MANY_CONNECTIONS` on a connection that its client address
/// opened beyond `MAX_CONNECTIONS_PER_IP`, and closes it.
pub(super) async fn refuse_over_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let over_limit = req
        .conn_data::<OpenConnection>()
        .is_some_and(|connection| connection.over_limit);
    if over_limit {
        let mut response = errors::request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TooManyConnections,
            "This address holds too many open connections; close some and retry.",
        );
        response
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        return Ok(req.into_response(response).map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(client_address(a), client_address(b));
        assert_ne!(client_address(a), client_address(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            client_address(mapped),
            "192.0.2.7".parse::<IpAddr>().unwrap()
        );
    }
}
