//! GraphQL over WebSocket on `GET /graphql`: `graphql-transport-ws` (and the older
//! `graphql-ws` of subscriptions-transport-ws), executed by async-graphql's protocol machine
//! over a socket whose every resource is bounded:
//!
//! - a message (all its frames) larger than `WS_MAX_MESSAGE_BYTES` closes the socket with 1009;
//! - a socket that sends no `connection_init` within `WS_INIT_TIMEOUT_MS` is closed with 4408;
//! - a peer that answers no ping for [`PEER_TIMEOUT`] is dropped;
//! - messages are handed on one at a time (a peer that sends faster than the server answers
//!   waits in TCP, not in memory);
//! - queries run under the time limit and a few at a time, subscriptions count against the
//!   connection's, the address's and the server's limits (see [`super::executor`] and
//!   `schema::subscription`).
//!
//! On `graphql-transport-ws`, messages are screened before the protocol machine sees them, so
//! that the close codes are the protocol's: invalid JSON or an unknown message type → 4400,
//! `subscribe` before `connection_ack` → 4401, a subscription id already in use → 4409, a second
//! `connection_init` → 4429 (async-graphql's own). A client's close frame is echoed; close
//! reasons are cut to fit a control frame (125 bytes).

use std::{
    collections::HashSet,
    str::FromStr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use actix_web::{
    http::header::{self, HeaderValue},
    web, HttpRequest, HttpResponse,
};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, ProtocolError, Session};
use async_graphql::{
    http::{WebSocket, WebSocketProtocols, WsMessage},
    Data,
};
use futures_util::StreamExt;

use super::{
    executor::{LimitedExecutor, QueriesInFlight},
    streams::Open,
};
use crate::auth::ApiTokens;

/// Whether a protocol error is a frame or message over its size cap: actix-ws reports a frame
/// as `Overflow` and aggregated continuation frames as an I/O error with its own message.
fn is_overflow(error: &ProtocolError) -> bool {
    match error {
        ProtocolError::Overflow => true,
        ProtocolError::Io(io) => io.to_string().contains("maximum continuation size"),
        _ => false,
    }
}

/// How often the server pings an idle peer, and how long it waits for any sign of life.
const PING_INTERVAL: Duration = Duration::from_secs(5);
const PEER_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest close reason a control frame can carry next to its two-byte code.
const MAX_CLOSE_REASON_BYTES: usize = 123;

/// What one WebSocket session needs.
pub struct SocketSettings {
    pub executor: LimitedExecutor,
    pub tokens: ApiTokens,
    pub max_frame_bytes: usize,
    pub max_message_bytes: usize,
    pub init_timeout: Duration,
}

/// The first subprotocol in the client's list that we speak: RFC 6455 makes the client's order
/// its preference (Python's `gql` offers `graphql-ws` first and reads the answer as its choice).
pub fn negotiate(req: &HttpRequest) -> Option<WebSocketProtocols> {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|name| WebSocketProtocols::from_str(name.trim()).ok())
}

/// Completes the handshake and starts the session in the background. `data` is what every
/// operation of the connection sees (access, subscription slots); the `connection_init` payload
/// may add credentials.
pub fn start(
    settings: SocketSettings,
    req: &HttpRequest,
    payload: web::Payload,
    protocol: WebSocketProtocols,
    mut data: Data,
) -> actix_web::Result<HttpResponse> {
    let (mut response, session, messages) = actix_ws::handle(req, payload)?;
    response.headers_mut().insert(
        header::SEC_WEBSOCKET_PROTOCOL,
        HeaderValue::from_static(protocol.sec_websocket_protocol()),
    );
    // A message of one frame is capped by the frame size, so the message cap bounds that too.
    let messages = messages
        .max_frame_size(settings.max_frame_bytes.min(settings.max_message_bytes))
        .aggregate_continuations()
        .max_continuation_size(settings.max_message_bytes);
    data.insert(QueriesInFlight::default());
    actix_web::rt::spawn(run(settings, session, messages, protocol, data));
    Ok(response)
}

/// The session: client messages into async-graphql's protocol machine, its answers out, until
/// either side closes or a limit is hit.
async fn run(
    settings: SocketSettings,
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
    protocol: WebSocketProtocols,
    data: Data,
) {
    // One open connection in `citynet_websocket_connections_active`, for as long as it lives.
    let _open = Open::count(settings.executor.metrics().websockets_active().clone());
    let initialised = Arc::new(AtomicBool::new(false));
    let on_init = {
        let initialised = initialised.clone();
        let tokens = settings.tokens.clone();
        move |payload: serde_json::Value| async move {
            initialised.store(true, Ordering::Release);
            Ok(init_data(&tokens, &payload))
        }
    };
    // One message at a time: the client is read again only once the protocol machine has taken
    // the last message.
    let (to_machine, from_client) = tokio::sync::mpsc::channel::<Vec<u8>>(1);
    let from_client = futures_util::stream::unfold(from_client, |mut receiver| async move {
        receiver.recv().await.map(|message| (message, receiver))
    });
    let mut machine = WebSocket::new(settings.executor.clone(), Box::pin(from_client), protocol)
        .connection_data(data)
        .on_connection_init(on_init);
    let mut pending: Option<Vec<u8>> = None;
    let mut screen = Screen::new(protocol);
    let init_deadline = tokio::time::sleep(settings.init_timeout);
    tokio::pin!(init_deadline);
    let mut ping = tokio::time::interval(PING_INTERVAL);
    let mut last_heard = tokio::time::Instant::now();

    let close = loop {
        tokio::select! {
            message = messages.next(), if pending.is_none() => {
                last_heard = tokio::time::Instant::now();
                match message {
                    Some(Ok(AggregatedMessage::Text(text))) => match screen.client(text.as_bytes()) {
                        Ok(()) => pending = Some(text.as_bytes().to_vec()),
                        Err(close) => break Some(close),
                    },
                    Some(Ok(AggregatedMessage::Binary(bytes))) => match screen.client(&bytes) {
                        Ok(()) => pending = Some(bytes.to_vec()),
                        Err(close) => break Some(close),
                    },
                    Some(Ok(AggregatedMessage::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => {}
                    // Echo the client's close, as RFC 6455 asks.
                    Some(Ok(AggregatedMessage::Close(reason))) => break reason,
                    Some(Err(error)) if is_overflow(&error) => break Some(reason(
                        CloseCode::Size,
                        &format!("Messages are limited to {} bytes.", settings.max_message_bytes),
                    )),
                    Some(Err(_)) => break Some(reason(CloseCode::Protocol, "Invalid WebSocket frame.")),
                    None => return,
                }
            }
            permit = to_machine.reserve(), if pending.is_some() => match (permit, pending.take()) {
                (Ok(permit), Some(message)) => permit.send(message),
                _ => break None,
            },
            answer = machine.next() => match answer {
                Some(WsMessage::Text(text)) => {
                    screen.server(&text);
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                Some(WsMessage::Close(code, message)) => break Some(reason(CloseCode::from(code), &message)),
                None => break Some(reason(CloseCode::Normal, "")),
            },
            () = &mut init_deadline, if !initialised.load(Ordering::Acquire) => {
                break Some(reason(CloseCode::Other(4408), "Connection initialisation timeout"));
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > PEER_TIMEOUT {
                    break None;
                }
                if session.ping(b"").await.is_err() {
                    return;
                }
            }
        }
    };
    let _ = session.close(close).await;
}

/// The graphql-transport-ws rules the protocol machine does not enforce with the protocol's close
/// codes, checked on each message in each direction.
struct Screen {
    /// Only graphql-transport-ws is screened; the older protocol has no such codes.
    active: bool,
    acknowledged: bool,
    /// The ids of the operations the client started that have not completed.
    operations: HashSet<String>,
}

/// The part of a protocol message the screen reads.
#[derive(serde::Deserialize)]
struct Head {
    #[serde(rename = "type")]
    kind: String,
    id: Option<String>,
}

impl Screen {
    fn new(protocol: WebSocketProtocols) -> Self {
        Self {
            active: protocol == WebSocketProtocols::GraphQLWS,
            acknowledged: false,
            operations: HashSet::new(),
        }
    }

    /// Checks a client message; the close to answer with when it breaks the protocol.
    fn client(&mut self, message: &[u8]) -> Result<(), CloseReason> {
        if !self.active {
            return Ok(());
        }
        let invalid = || reason(CloseCode::Other(4400), "Invalid message received");
        let head: Head = serde_json::from_slice(message).map_err(|_| invalid())?;
        match (head.kind.as_str(), head.id) {
            ("connection_init" | "ping" | "pong", _) => Ok(()),
            ("subscribe", _) if !self.acknowledged => {
                Err(reason(CloseCode::Other(4401), "Unauthorized"))
            }
            ("subscribe", Some(id)) => {
                if self.operations.contains(&id) {
                    return Err(reason(
                        CloseCode::Other(4409),
                        &format!("Subscriber for {id} already exists"),
                    ));
                }
                self.operations.insert(id);
                Ok(())
            }
            ("complete", Some(id)) => {
                self.operations.remove(&id);
                Ok(())
            }
            _ => Err(invalid()),
        }
    }

    /// Follows a server message: the acknowledgement, and operations that ended.
    fn server(&mut self, message: &str) {
        if !self.active {
            return;
        }
        let Ok(head) = serde_json::from_str::<Head>(message) else {
            return;
        };
        match (head.kind.as_str(), head.id) {
            ("connection_ack", _) => self.acknowledged = true,
            ("complete" | "error", Some(id)) => {
                self.operations.remove(&id);
            }
            _ => {}
        }
    }
}

/// The credentials of a `connection_init` payload: `{"Authorization": "Bearer …"}`, or the same
/// inside `{"headers": {…}}` (a common client convention); browsers cannot set headers on a
/// WebSocket.
fn init_data(tokens: &ApiTokens, payload: &serde_json::Value) -> Data {
    let mut data = Data::default();
    let authorization = [payload, &payload["headers"]]
        .into_iter()
        .find_map(|object| {
            ["Authorization", "authorization"]
                .iter()
                .find_map(|key| object.get(key).and_then(|value| value.as_str()))
        });
    if let Some(authorization) = authorization {
        data.insert(tokens.access(Some(authorization)));
    }
    data
}

/// A close reason cut to fit a control frame (at a character boundary).
fn reason(code: CloseCode, description: &str) -> CloseReason {
    let mut end = description.len().min(MAX_CLOSE_REASON_BYTES);
    while !description.is_char_boundary(end) {
        end -= 1;
    }
    CloseReason {
        code,
        description: (end > 0).then(|| description[..end].to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(), CloseReason>) -> Option<u16> {
        result.err().map(|close| close.code.into())
    }

    #[test]
    fn the_screen_closes_with_the_protocols_codes() {
        let mut screen = Screen::new(WebSocketProtocols::GraphQLWS);
        assert_eq!(code(screen.client(b"{\"type\":\"bogus\"}")), Some(4400));
        assert_eq!(code(screen.client(b"not json")), Some(4400));
        let subscribe = br#"{"type":"subscribe","id":"1","payload":{"query":"{a}"}}"#;
        assert_eq!(code(screen.client(subscribe)), Some(4401));
        assert_eq!(code(screen.client(br#"{"type":"connection_init"}"#)), None);
        screen.server(r#"{"type":"connection_ack"}"#);
        assert_eq!(code(screen.client(subscribe)), None);
        assert_eq!(code(screen.client(subscribe)), Some(4409));
        screen.server(r#"{"type":"complete","id":"1"}"#);
        assert_eq!(code(screen.client(subscribe)), None, "the id is free again");
        let older = Screen::new(WebSocketProtocols::SubscriptionsTransportWS);
        assert!(!older.active);
    }

    #[test]
    fn close_reasons_fit_a_control_frame() {
        let long = "é".repeat(200);
        let cut = reason(CloseCode::Protocol, &long);
        let description = cut.description.unwrap();
        assert!(description.len() <= MAX_CLOSE_REASON_BYTES);
        assert!(description.chars().all(|c| c == 'é'));
        assert_eq!(reason(CloseCode::Normal, "").description, None);
    }
}
