//! The response cache at the HTTP boundary (see [`crate::cache`] for why it is never stale): a
//! single query request is answered from the cache when an answer of the current write
//! generation is there, and its answer is kept when it is complete.

use actix_web::{HttpRequest, HttpResponse};
use async_graphql::{BatchRequest, BatchResponse, Request};

use super::{client, negotiation, State};
use crate::{
    auth::Access,
    cache::{Entry, Key},
    rate_limit::ChargeSlot,
};

/// A request the cache may answer or keep the answer of, with the generation read before it
/// ran.
pub(super) struct Lookup {
    generation: u64,
    writer: bool,
    /// The key the answer may be found under.
    key: Key,
}

/// A request the cache did not answer, to keep the answer of once it has run.
pub(super) struct Miss {
    generation: u64,
    writer: bool,
    /// What the key to keep the answer under is worked out from, once execution has parsed the
    /// document.
    request: Request,
}

impl Lookup {
    /// `None` when the cache is off, the request is a batch, or the current generation cannot
    /// be read (then nothing may be served from the cache, nor kept).
    pub(super) async fn start(
        state: &State,
        req: &HttpRequest,
        request: &BatchRequest,
    ) -> Option<Self> {
        let caches = &state.services.caches;
        let BatchRequest::Single(single) = request else {
            return None;
        };
        if !caches.responses.enabled() {
            return None;
        }
        let generation = state.services.feed.current().await?;
        let writer = client::access(&state.tokens, req) == Access::Writer;
        Some(Self {
            generation,
            writer,
            key: caches.lookup_key(single, writer)?,
        })
    }

    /// The cached answer, when there is one for this generation and the client's rate limit
    /// can pay for it (a hit costs what the execution it replaces would).
    pub(super) fn hit(
        &self,
        state: &State,
        req: &HttpRequest,
        charge: &ChargeSlot,
    ) -> Option<HttpResponse> {
        let entry = state
            .services
            .caches
            .responses
            .get(&self.key, self.generation)?;
        if let Some(limiter) = &state.services.rate_limiter {
            let client = client::rate_limit_client(&state.tokens, req);
            // Refused: the execution path answers (and explains) the refusal.
            let charged = limiter.charge(&client, entry.node_count).ok()?;
            charge.set(charged);
        }
        state
            .executor
            .metrics()
            .operation("query", entry.operation_name.as_deref());
        Some(negotiation::complete_response(req, entry.body))
    }

    /// The request was not answered from the cache: remember what its answer would be kept
    /// under.
    pub(super) fn miss(self, request: &BatchRequest) -> Option<Miss> {
        let BatchRequest::Single(single) = request else {
            return None;
        };
        Some(Miss {
            generation: self.generation,
            writer: self.writer,
            request: key_fields(single),
        })
    }
}

impl Miss {
    /// Keeps a complete answer (no errors, no extensions) of a cacheable query, and answers
    /// with the bytes kept; `None` when the response is not kept (it is answered as usual).
    pub(super) fn keep(
        self,
        state: &State,
        req: &HttpRequest,
        response: &BatchResponse,
        planned: Option<&[u8]>,
        charge: &ChargeSlot,
    ) -> Option<HttpResponse> {
        let BatchResponse::Single(single) = response else {
            return None;
        };
        if !single.errors.is_empty()
            || !single.extensions.is_empty()
            || (single.data == async_graphql::Value::Null && planned.is_none())
        {
            return None;
        }
        let caches = &state.services.caches;
        let key = caches.store_key(&self.request, self.writer)?;
        let node_count = match (&state.services.rate_limiter, charge.get()) {
            (None, _) => 0,
            (Some(_), Some(charge)) => charge.node_count,
            // Charged nothing (cannot happen for a query that ran): do not keep it.
            (Some(_), None) => return None,
        };
        // The bytes `answer` would send: the cache serves exactly what execution answers.
        let body = match negotiation::response_body(response, planned) {
            // The vector grew by doubling: kept as it is, it would hold up to twice the bytes
            // that the cache counts.
            Ok(mut body) => {
                body.shrink_to_fit();
                actix_web::web::Bytes::from(body)
            }
            Err(err) => {
                tracing::error!(error = %err, "could not serialise a GraphQL response");
                return None;
            }
        };
        caches.responses.put(
            key,
            Entry {
                generation: self.generation,
                body: body.clone(),
                node_count,
                operation_name: caches.operation_name(&self.request),
            },
        );
        Some(negotiation::complete_response(req, body))
    }
}

/// What the cache key is made of, copied from a request that is about to be executed.
fn key_fields(request: &Request) -> Request {
    let mut copy = Request::new(request.query.clone()).variables(request.variables.clone());
    copy.operation_name.clone_from(&request.operation_name);
    if let Some(persisted) = request.extensions.get("persistedQuery") {
        copy.extensions
            .insert("persistedQuery".to_owned(), persisted.clone());
    }
    copy
}
