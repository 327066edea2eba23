//! `createTwinning`, `deleteTwinning`: the GraphQL face of [`crate::service::twinning`].

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};

use super::{at_input, authorize, input::row_id, Write};
use crate::{
    error::AppResult,
    schema::{ids::NodeType, City},
    service::twinning::{self, Twins},
};

/// Two places to twin (`createTwinning`) or untwin (`deleteTwinning`); the order does not
/// matter.
#[derive(InputObject)]
pub struct TwinningInput {
    /// The global id of one `City`.
    city_id: ID,
    /// The other `City`; not the same as `cityId`.
    twin_id: ID,
}

/// The result of `createTwinning` or `deleteTwinning`: both places of the twinning.
#[derive(SimpleObject)]
pub struct TwinningPayload {
    /// The place given as `cityId`.
    city: City,
    /// The place given as `twinId`.
    twin: City,
}

#[derive(Default)]
pub struct TwinningMutation;

#[Object]
impl TwinningMutation {
    /// Twins two places (`CONFLICT` if they already are).
    async fn create_twinning(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The two places.")] input: TwinningInput,
    ) -> Option<Result<TwinningPayload>> {
        Some(create_twinning(ctx, input).await)
    }

    /// Ends a twinning (`NOT_FOUND` if the places are not twinned).
    async fn delete_twinning(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The two places.")] input: TwinningInput,
    ) -> Option<Result<TwinningPayload>> {
        Some(delete_twinning(ctx, input).await)
    }
}

async fn create_twinning(ctx: &Context<'_>, input: TwinningInput) -> Result<TwinningPayload> {
    authorize(ctx)?;
    let (place_id, twin_id) = pair(&input)?;
    let mut write = Write::begin(ctx).await?;
    let (twins, changes) = twinning::create(write.db(), place_id, twin_id, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(TwinningPayload::from(twins))
}

async fn delete_twinning(ctx: &Context<'_>, input: TwinningInput) -> Result<TwinningPayload> {
    authorize(ctx)?;
    let (place_id, twin_id) = pair(&input)?;
    let mut write = Write::begin(ctx).await?;
    let (twins, changes) = twinning::delete(write.db(), place_id, twin_id, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(TwinningPayload::from(twins))
}

impl From<Twins> for TwinningPayload {
    fn from(twins: Twins) -> Self {
        Self {
            city: City(twins.place),
            twin: City(twins.twin),
        }
    }
}

/// The two row ids.
fn pair(input: &TwinningInput) -> AppResult<(i32, i32)> {
    Ok((
        row_id("input.cityId", &input.city_id, NodeType::City)?,
        row_id("input.twinId", &input.twin_id, NodeType::City)?,
    ))
}
