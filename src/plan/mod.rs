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
//! - [`run`]: runs a plan into the response's `data`.
//!
//! The resolvers stay the oracle: `tests/api/planned.rs` runs random documents through both
//! paths and compares the bytes. `QUERY_PLANNER=off` turns the planned path off.

pub mod build;
mod fields;
mod run;

use std::sync::{Arc, Mutex, PoisonError};

use crate::observe::operation::{executed_by, Path};
use async_graphql::{
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery},
    parser::types::ExecutableDocument,
    Response, ServerResult, Variables,
};

/// Installs the planned path as an async-graphql extension, innermost in the chain: the limits,
/// the rate-limit charge, the response shape and the traces wrap it as they wrap the resolvers.
pub struct Planner;

impl ExtensionFactory for Planner {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PlannerExtension::default())
    }
}

#[derive(Default)]
struct PlannerExtension {
    /// The request's document and variables, kept from parsing.
    parsed: Mutex<Option<(Arc<ExecutableDocument>, Variables)>>,
}

#[async_graphql::async_trait::async_trait]
impl Extension for PlannerExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        *self.parsed.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Arc::new(document.clone()), variables.clone()));
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let parsed = self
            .parsed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some((document, variables)) = parsed {
            let registry = &ctx.schema_env.registry;
            if let Some(plan) = build::plan(registry, &document, operation_name, &variables) {
                // Counted as planned from here: a planned run the time limit stops is one.
                executed_by(Path::Planned);
                if let Some(data) = run::run(ctx, &plan).await {
                    return Response::new(data);
                }
            }
        }
        executed_by(Path::Resolvers);
        next.run(ctx, operation_name).await
    }
}
