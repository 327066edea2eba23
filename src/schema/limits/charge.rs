//! The rate limit as the limits charge it: an operation that passed validation pays its cost; a
//! request refused on the way (too long, too deep, malformed, invalid) pays for its size, so
//! that refusals are not free work; a client whose budget is spent is refused before its text
//! is even parsed.

use std::sync::Arc;

use async_graphql::{extensions::ExtensionContext, Request, ServerError};

use super::coded_error;
use crate::{
    error::ErrorCode,
    rate_limit::{Charge, ChargeSlot, Client, RateLimiter},
};

/// Who pays for the running request, when rate limiting is on.
pub(super) struct Payer<'a> {
    limiter: &'a RateLimiter,
    client: Client,
    /// Where `rateLimit` and the response headers find the charge.
    slot: Option<ChargeSlot>,
}

impl<'a> Payer<'a> {
    /// The payer as the request's data (attached once it is prepared) and the session name it.
    pub(super) fn of(ctx: &ExtensionContext<'a>) -> Option<Self> {
        Some(Self {
            limiter: ctx.data_opt::<Arc<RateLimiter>>()?,
            client: ctx.data_opt::<Client>()?.clone(),
            slot: ctx.data_opt::<ChargeSlot>().cloned(),
        })
    }

    /// The payer of a request not yet prepared: its own data is not attached yet.
    pub(super) fn of_request(ctx: &ExtensionContext<'a>, request: &Request) -> Option<Self> {
        fn data<T: Clone + Send + Sync + 'static>(
            request: &Request,
            ctx: &ExtensionContext<'_>,
        ) -> Option<T> {
            request
                .data
                .get(&std::any::TypeId::of::<T>())
                .and_then(|data| data.downcast_ref::<T>())
                .or_else(|| ctx.data_opt::<T>())
                .cloned()
        }
        Some(Self {
            limiter: ctx.data_opt::<Arc<RateLimiter>>()?,
            client: data::<Client>(request, ctx)?,
            slot: data::<ChargeSlot>(request, ctx),
        })
    }

    /// Refuses the request before anything is done for it when the budget is spent.
    pub(super) fn refuse_when_spent(&self) -> Result<(), ServerError> {
        match self.limiter.spent(&self.client) {
            Some(charge) => {
                self.leave(charge);
                Err(rate_limited(&charge))
            }
            None => Ok(()),
        }
    }

    /// Charges an operation of `node_count` nodes, or refuses it when the budget cannot pay.
    pub(super) fn charge(&self, node_count: u64) -> Result<(), Vec<ServerError>> {
        let charged = self.limiter.charge(&self.client, node_count);
        let (Ok(charge) | Err(charge)) = charged;
        self.leave(charge);
        charged
            .map(drop)
            .map_err(|charge| vec![rate_limited(&charge)])
    }

    /// Charges a refused request of `bytes` (as much of it as the budget holds).
    pub(super) fn charge_refusal(&self, bytes: usize) {
        let charge = self.limiter.charge_refusal(&self.client, bytes);
        self.leave(charge);
    }

    fn leave(&self, charge: Charge) {
        if let Some(slot) = &self.slot {
            slot.set(charge);
        }
    }
}

/// `RATE_LIMITED`, with what the operation costs, what is left and when it is renewed.
fn rate_limited(charge: &Charge) -> ServerError {
    let mut error = coded_error(
        ErrorCode::RateLimited,
        format!(
            "This operation costs {} points and {} of {} are left; the budget is renewed in {} s.",
            charge.cost,
            charge.remaining,
            charge.limit,
            charge.reset_in_seconds()
        ),
    );
    if let Some(extensions) = &mut error.extensions {
        extensions.set("retryAfter", charge.reset_in_seconds());
    }
    error
}
