//! `rateLimit`: the client's budget, as GitHub's GraphQL API reports it.

use async_graphql::{Context, Object, SimpleObject};

use super::saturating_i32;
use crate::rate_limit::ChargeSlot;

/// The client's rate-limit budget after this operation was charged.
#[derive(SimpleObject)]
pub struct RateLimit {
    /// The points a client may spend per window (`RATE_LIMIT_POINTS`).
    limit: i32,
    /// What this operation cost: its node count divided by 100, rounded up, at least 1 (an
    /// operation that asks only for `rateLimit` costs 1, like any other).
    cost: i32,
    /// The points left in the current window.
    remaining: i32,
    /// The points spent in the current window.
    used: i32,
    /// The operation's node count: list page sizes multiplied through the selection, as the
    /// query cost limit (`MAX_QUERY_COMPLEXITY`) counts it.
    node_count: i32,
    /// When the window ends and the budget is full again (RFC 3339, UTC).
    reset_at: String,
}

#[derive(Default)]
pub struct RateLimitQuery;

#[Object]
impl RateLimitQuery {
    /// The client's rate-limit budget (per bearer token, or per address for anonymous clients);
    /// null when the server sets no rate limit. The field adds nothing to the operation's cost;
    /// the operation costs at least 1 point.
    #[graphql(complexity = 0)]
    async fn rate_limit(&self, ctx: &Context<'_>) -> Option<RateLimit> {
        let charge = ctx.data_opt::<ChargeSlot>()?.get()?;
        Some(RateLimit {
            limit: saturating_i32(charge.limit),
            cost: saturating_i32(charge.cost),
            remaining: saturating_i32(charge.remaining),
            used: saturating_i32(charge.limit - charge.remaining),
            node_count: saturating_i32(charge.node_count),
            reset_at: chrono::DateTime::<chrono::Utc>::from(charge.reset_at)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
    }
}
