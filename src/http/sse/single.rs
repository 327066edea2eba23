//! The `graphql-sse` single connection mode: one event stream carries the results of many
//! operations, each started and stopped by a request of its own.
//!
//! - `PUT /graphql` reserves a stream: `201` with its token (`text/plain`). A reservation nobody
//!   listens to within [`UNCLAIMED_FOR`] is forgotten.
//! - `GET /graphql` with the token (`X-GraphQL-Event-Stream-Token` or `?token=`) and
//!   `Accept: text/event-stream` listens: `404` for an unknown token, `409` when the stream
//!   already has its listener (there is never more than one).
//! - `POST /graphql` with the token and `extensions.operationId` starts an operation: `202`,
//!   its results then arrive on the stream as `next` events `{"id", "payload"}` and a last
//!   `complete` `{"id"}`. A request that does not run (validation, limits) is answered as
//!   GraphQL over HTTP answers it; `409` for an id already running.
//! - `DELETE /graphql?operationId=…` with the token stops an operation.
//!
//! Reserved streams count as connections (`MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_IP`: `503
//! TOO_MANY_CONNECTIONS` past them). The stream is one connection for the limits: at most 100 subscriptions and 4 queries at
//! once, and its subscriptions count against the address's and the server's. When the listener
//! goes away, the reservation and all its operations end.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use actix_web::{
    http::{header, StatusCode},
    web::Bytes,
    HttpRequest, HttpResponse,
};
use async_graphql::{BatchResponse, Data, Request, Response};
use futures_util::{stream, StreamExt};
use tokio::{sync::mpsc, task::AbortHandle};

use super::{event, payload, COMMENT, HEARTBEAT};
use crate::{
    error::ErrorCode,
    http::{client, errors, executor::QueriesInFlight, negotiation, streams, State},
    schema::{SubscriptionSlots, MAX_SUBSCRIPTIONS_PER_CONNECTION},
};

/// How long a reservation waits for its listener.
const UNCLAIMED_FOR: Duration = Duration::from_secs(30);

/// How many operations a stream holds at once: its subscriptions and queries, as a WebSocket
/// (a mutation counts too, until its answer is on the stream).
const MAX_OPERATIONS: usize =
    MAX_SUBSCRIPTIONS_PER_CONNECTION + crate::http::executor::MAX_QUERIES_IN_FLIGHT_PER_SOCKET;

/// The longest `operationId`: ids are the client's names for its operations, not data.
const MAX_OPERATION_ID_BYTES: usize = 128;

/// How many events wait for a slow listener before the operations wait for it in turn (and a
/// subscription then falls behind and ends as lagged, as on a WebSocket).
const BACKLOG: usize = 64;

/// The reserved streams, by token; at most as many as the server and an address may hold
/// connections (`MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_IP`): a reservation is a connection
/// to come.
pub(crate) struct Reservations {
    held: Mutex<Held>,
    max_total: usize,
    max_per_client: usize,
}

#[derive(Default)]
struct Held {
    streams: HashMap<String, Reservation>,
    per_client: HashMap<IpAddr, usize>,
}

struct Reservation {
    client: IpAddr,
    /// The stream's share of the subscription limits and its queries running.
    slots: SubscriptionSlots,
    queries: QueriesInFlight,
    events: mpsc::Sender<Bytes>,
    /// Taken by the listener; `None` once the stream has one.
    listener: Option<mpsc::Receiver<Bytes>>,
    /// The operations by id; `None` while one is starting (its id is taken from the moment it
    /// is accepted, so that two requests never both start it).
    operations: HashMap<String, Option<AbortHandle>>,
    /// Forgets the reservation if nobody listens in time; stopped once somebody does.
    expiry: Option<AbortHandle>,
}

impl Reservation {
    /// Stops every operation and the expiry timer.
    fn stop_all(&self) {
        self.operations
            .values()
            .flatten()
            .for_each(AbortHandle::abort);
        if let Some(expiry) = &self.expiry {
            expiry.abort();
        }
    }
}

impl Reservations {
    pub(crate) fn new(max_total: usize, max_per_client: usize) -> Self {
        Self {
            held: Mutex::default(),
            max_total,
            max_per_client,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets a reservation and stops its operations.
    fn end(&self, token: &str) {
        if let Some(reservation) = self.lock().remove(token) {
            reservation.stop_all();
        }
    }
}

impl Held {
    /// Keeps `reservation` under `token`, unless the server or its client holds its limit.
    fn insert(&mut self, token: String, reservation: Reservation, limits: &Reservations) -> bool {
        let of_client = self
            .per_client
            .get(&reservation.client)
            .copied()
            .unwrap_or(0);
        if self.streams.len() >= limits.max_total || of_client >= limits.max_per_client {
            return false;
        }
        self.per_client.insert(reservation.client, of_client + 1);
        self.streams.insert(token, reservation);
        true
    }

    fn remove(&mut self, token: &str) -> Option<Reservation> {
        let reservation = self.streams.remove(token)?;
        if let Some(count) = self.per_client.get_mut(&reservation.client) {
            *count -= 1;
            if *count == 0 {
                self.per_client.remove(&reservation.client);
            }
        }
        Some(reservation)
    }

    fn get(&self, token: &str) -> Option<&Reservation> {
        self.streams.get(token)
    }

    fn get_mut(&mut self, token: &str) -> Option<&mut Reservation> {
        self.streams.get_mut(token)
    }
}

/// `PUT /graphql`: reserves a stream.
pub(in crate::http) fn reserve(state: &State, req: &HttpRequest) -> HttpResponse {
    let token = uuid::Uuid::new_v4().simple().to_string();
    let (events, listener) = mpsc::channel(BACKLOG);
    let reservation = Reservation {
        client: client::address(req),
        slots: streams::new_slots(state, req),
        queries: QueriesInFlight::default(),
        events,
        listener: Some(listener),
        operations: HashMap::new(),
        expiry: None,
    };
    let reservations = &state.reservations;
    if !reservations
        .lock()
        .insert(token.clone(), reservation, reservations)
    {
        return errors::request_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::TooManyConnections,
            "This address (or the server) holds too many reserved event streams; listen to or \
             let go of some and retry.",
        );
    }
    let reservations = state.reservations.clone();
    let unclaimed = token.clone();
    let expiry = actix_web::rt::spawn(async move {
        tokio::time::sleep(UNCLAIMED_FOR).await;
        let mut held = reservations.lock();
        if held.get(&unclaimed).is_some_and(|r| r.listener.is_some()) {
            if let Some(expired) = held.remove(&unclaimed) {
                expired
                    .operations
                    .values()
                    .flatten()
                    .for_each(AbortHandle::abort);
            }
        }
    })
    .abort_handle();
    // The timer runs on this thread, so not before its handle is kept.
    match state.reservations.lock().get_mut(&token) {
        Some(reservation) => reservation.expiry = Some(expiry),
        None => expiry.abort(),
    }
    HttpResponse::Created()
        .content_type("text/plain; charset=utf-8")
        .body(token)
}

/// Ends the reservation when its listener's stream is dropped (the client went away).
struct Listening {
    reservations: Arc<Reservations>,
    token: String,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.reservations.end(&self.token);
    }
}

/// `GET /graphql` with a token: the reserved stream.
pub(in crate::http) fn listen(state: &State, token: &str) -> HttpResponse {
    let receiver = match state.reservations.lock().get_mut(token) {
        None => return unknown(),
        Some(reservation) => {
            let receiver = reservation.listener.take();
            if receiver.is_some() {
                if let Some(expiry) = reservation.expiry.take() {
                    expiry.abort();
                }
            }
            receiver
        }
    };
    let Some(receiver) = receiver else {
        return errors::request_error(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            "This stream already has its listener.",
        );
    };
    let listening = Listening {
        reservations: state.reservations.clone(),
        token: token.to_owned(),
    };
    let events = stream::unfold(
        (receiver, listening),
        |(mut receiver, listening)| async move {
            let bytes = receiver.recv().await?;
            Some((bytes, (receiver, listening)))
        },
    );
    // A comment at once: some browsers and proxies hand over no headers without a body, and a
    // client starts its operations only once the stream is open.
    let events = stream::once(async { Bytes::from_static(COMMENT) }).chain(events);
    streams::response(
        state,
        "sse",
        "text/event-stream",
        streams::with_heartbeat(events.boxed(), HEARTBEAT, COMMENT),
    )
}

/// `POST /graphql` with a token: starts the operation on the reserved stream.
pub(in crate::http) async fn start(
    state: &State,
    req: &HttpRequest,
    token: &str,
    request: Request,
) -> HttpResponse {
    let Some(id) = request
        .extensions
        .get("operationId")
        .and_then(|id| match id {
            async_graphql::Value::String(id) => Some(id.clone()),
            _ => None,
        })
    else {
        return errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "An operation on a reserved stream needs `extensions.operationId`.",
        );
    };
    if id.len() > MAX_OPERATION_ID_BYTES {
        return errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            &format!("An `operationId` has at most {MAX_OPERATION_ID_BYTES} bytes."),
        );
    }
    let (data, events) = match take_id(state, req, token, &id) {
        Ok(taken) => taken,
        Err(refusal) => return *refusal,
    };
    let request = request.data(client::access(&state.tokens, req));
    let responses = match streams::start(streams::run(&state.executor, request, data)).await {
        streams::Started::Running(responses) => responses,
        streams::Started::Refused(refusal) => {
            if let Some(reservation) = state.reservations.lock().get_mut(token) {
                reservation.operations.remove(&id);
            }
            return refused(req, *refusal);
        }
    };
    let forward = forward(
        state.reservations.clone(),
        token.to_owned(),
        id.clone(),
        events,
        responses,
    );
    // The task runs on this worker's thread, so not before this handler has kept its handle:
    // an operation that completes at once still finds itself to forget.
    let task = actix_web::rt::spawn(forward).abort_handle();
    let mut held = state.reservations.lock();
    let Some(reservation) = held.get_mut(token) else {
        // The listener went away meanwhile.
        task.abort();
        return unknown();
    };
    match reservation.operations.get_mut(&id) {
        Some(slot) => *slot = Some(task),
        // Stopped (DELETE) while it started: it ends here.
        None => task.abort(),
    }
    HttpResponse::Accepted().finish()
}

/// Takes `id` on the stream of `token` for an operation about to start, and gives what it runs
/// with; refused when the stream is unknown, holds `id` already, or holds its limit.
fn take_id(
    state: &State,
    req: &HttpRequest,
    token: &str,
    id: &str,
) -> Result<(Data, mpsc::Sender<Bytes>), Box<HttpResponse>> {
    let mut held = state.reservations.lock();
    let Some(reservation) = held.get_mut(token) else {
        return Err(Box::new(unknown()));
    };
    if reservation.operations.contains_key(id) {
        return Err(Box::new(errors::request_error(
            StatusCode::CONFLICT,
            ErrorCode::Conflict,
            &format!("Operation {id} is already running on this stream."),
        )));
    }
    if reservation.operations.len() >= MAX_OPERATIONS {
        return Err(Box::new(errors::request_error(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyOperations,
            &format!(
                "A stream runs at most {MAX_OPERATIONS} operations at once; stop some or wait \
                 for them to complete."
            ),
        )));
    }
    reservation.operations.insert(id.to_owned(), None);
    let mut data: Data = streams::session_data(state, req, reservation.slots.clone());
    data.insert(reservation.queries.clone());
    Ok((data, reservation.events.clone()))
}

/// Sends an operation's responses to the stream, then its `complete`; the operation is then
/// forgotten.
async fn forward(
    reservations: Arc<Reservations>,
    token: String,
    id: String,
    events: mpsc::Sender<Bytes>,
    mut responses: futures_util::stream::BoxStream<'static, Response>,
) {
    let quoted = serde_json::to_string(&id).unwrap_or_default();
    while let Some(response) = responses.next().await {
        let next = format!(r#"{{"id":{quoted},"payload":{}}}"#, payload(&response));
        if events.send(event("next", &next)).await.is_err() {
            return;
        }
    }
    drop(responses);
    let _ = events
        .send(event("complete", &format!(r#"{{"id":{quoted}}}"#)))
        .await;
    if let Some(reservation) = reservations.lock().get_mut(&token) {
        reservation.operations.remove(&id);
    }
}

/// `DELETE /graphql?operationId=…` with a token: stops the operation (nothing when it is done).
pub(in crate::http) fn stop(state: &State, req: &HttpRequest, token: &str) -> HttpResponse {
    let Some(id) = super::url_parameter(req, "operationId") else {
        return errors::request_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
            "DELETE /graphql needs the `operationId` URL parameter.",
        );
    };
    match state.reservations.lock().get_mut(token) {
        None => unknown(),
        Some(reservation) => {
            if let Some(Some(task)) = reservation.operations.remove(&id) {
                task.abort();
            }
            HttpResponse::Ok().finish()
        }
    }
}

/// The answer to a token no stream holds (never reserved, or its listener went away).
fn unknown() -> HttpResponse {
    errors::request_error(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "No stream is reserved under this token; reserve one with PUT /graphql.",
    )
}

/// An operation refused before it ran, answered as GraphQL over HTTP answers it, with 429 when
/// the client holds too many subscriptions or spent its budget.
fn refused(req: &HttpRequest, refusal: Response) -> HttpResponse {
    let status = streams::refusal_status(&refusal);
    let mut http = negotiation::graphql_response(req, BatchResponse::Single(refusal), None);
    if status == StatusCode::TOO_MANY_REQUESTS || http.status() != StatusCode::OK {
        http.head_mut().status = status;
    }
    http.headers_mut().remove(header::CACHE_CONTROL);
    http
}
