//! The planned read path: a query operation that reads places, networks, memberships and events
//! is turned into a plan once its document has passed the limits and validation, and the plan
//! runs level by level over the batched loaders — one statement per list level for all parents
//! at once, the same statements the resolvers batch into — building the answer's values
//! directly, in selection order. async-graphql's per-field machinery (a boxed future, an
//! extension-chain call and a map insert per field, a `FuturesUnordered` per list) is what
//! dominated a nested read's CPU; the plan does none of it.
//!
//! - [`build`]: the document (with its variables) → a [`build::Plan`], or `None` where the plan
//!   does not cover the operation (mutations, subscriptions, introspection, `search`, graph
//!   questions, `node`, …) or an argument is refused (a page over 100, a bad cursor): then the
//!   resolvers run and answer exactly as they always did.
//! - [`fields`]: what the plan covers of each type, and how a field's column of values is
//!   computed for a batch of rows.
//! - [`run`]: runs a plan into the response's `data`, written as JSON text ([`json`]): the HTTP
//!   layer sends it as it is ([`PlannedData`]); other transports get it as values.
//!
//! The resolvers stay the oracle: `tests/api/planned.rs` runs random documents through both
//! paths and compares the bytes. `QUERY_PLANNER=off` turns the planned path off.

pub mod build;
mod fields;
mod json;
mod run;

pub use json::PlannedData;
pub use run::{PlannedLoader, PlansRunning};

use async_graphql::{
    extensions::ExtensionContext, parser::types::ExecutableDocument, Response, Variables,
};

use crate::{
    error::AppError,
    observe::operation::{executed_by, Path},
};
use run::Outcome;

/// The planned path, handed to the extension that keeps each request's document
/// (`schema::shape`), innermost in the chain: the limits, the rate-limit charge, the response
/// cache, the time limit and the traces wrap it as they wrap the resolvers.
pub struct Planner;

#[async_graphql::async_trait::async_trait]
impl crate::schema::shape::PlannedExecution for Planner {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        document: &ExecutableDocument,
        variables: &Variables,
        operation_name: Option<&str>,
    ) -> Option<Response> {
        let registry = &ctx.schema_env.registry;
        if let Some(plan) = build::plan(registry, document, operation_name, variables) {
            // Counted as planned from here: a planned run the time limit stops is one.
            executed_by(Path::Planned);
            match run::run(ctx, &plan).await {
                Outcome::Answered(data) => return answer(ctx, data.into_bytes()),
                // Past its time limit the operation ends here, answered as the time limit
                // answers (`http::executor`); the resolvers would only run out of time again.
                Outcome::Stopped => return Some(stopped()),
                Outcome::Failed => {}
            }
        }
        // The resolvers run next, and are counted where they start (`schema::shape`).
        None
    }
}

/// The response of a plan stopped at its time limit: no `data`, the `REQUEST_TIMEOUT` error.
fn stopped() -> Response {
    let error = async_graphql::Error::from(AppError::TimedOut);
    Response::from_errors(vec![error.into_server_error(Default::default())])
}

/// The response carrying a planned `data`. Over HTTP the text goes to the request's
/// [`PlannedData`] and the response's own `data` stays `null` (the body is written from the
/// text); elsewhere the text is read back into values.
fn answer(ctx: &ExtensionContext<'_>, data: Vec<u8>) -> Option<Response> {
    if let Ok(slot) = ctx.data::<PlannedData>() {
        slot.put(data);
        return Some(Response::new(async_graphql::Value::Null));
    }
    match serde_json::from_slice::<async_graphql::Value>(&data) {
        Ok(value) => Some(Response::new(value)),
        Err(err) => {
            tracing::warn!(error = %err, "a planned answer did not read back; the resolvers answer");
            None
        }
    }
}
