//! `createTwinning`, `deleteTwinning`. A twinning is symmetric: it is stored from both sides
//! (see `entity::twinning`), so both rows are written or deleted together.

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use entity::{place, twinning};
use sea_orm::{
    sea_query::ExprTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter,
};

use super::{
    authorize,
    input::{self, existing},
    Write,
};
use crate::{
    error::{AppError, AppResult},
    schema::{ids::NodeType, City},
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
    let write = Write::begin(ctx).await?;
    let (city, twin) = places(write.db(), place_id, twin_id).await?;
    if twinned(write.db(), place_id, twin_id).await? {
        return Err(AppError::Conflict(format!(
            "{} and {} are already twinned.",
            city.name, twin.name
        ))
        .at("input.twinId")
        .into());
    }
    let rows = [(place_id, twin_id), (twin_id, place_id)].map(|(from, to)| twinning::ActiveModel {
        id: NotSet,
        place_id: Set(from),
        twin_id: Set(to),
        source_id: Set(None),
    });
    twinning::Entity::insert_many(rows)
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    write.commit(ctx).await?;
    Ok(TwinningPayload {
        city: City(city),
        twin: City(twin),
    })
}

async fn delete_twinning(ctx: &Context<'_>, input: TwinningInput) -> Result<TwinningPayload> {
    authorize(ctx)?;
    let (place_id, twin_id) = pair(&input)?;
    let write = Write::begin(ctx).await?;
    let (city, twin) = places(write.db(), place_id, twin_id).await?;
    let deleted = twinning::Entity::delete_many()
        .filter(
            (twinning::Column::PlaceId
                .eq(place_id)
                .and(twinning::Column::TwinId.eq(twin_id)))
            .or(twinning::Column::PlaceId
                .eq(twin_id)
                .and(twinning::Column::TwinId.eq(place_id))),
        )
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound(format!(
            "{} and {} are not twinned.",
            city.name, twin.name
        ))
        .at("input.twinId")
        .into());
    }
    write.commit(ctx).await?;
    Ok(TwinningPayload {
        city: City(city),
        twin: City(twin),
    })
}

/// The two row ids; a place cannot be twinned with itself.
fn pair(input: &TwinningInput) -> AppResult<(i32, i32)> {
    let place_id = input::row_id("input.cityId", &input.city_id, NodeType::City)?;
    let twin_id = input::row_id("input.twinId", &input.twin_id, NodeType::City)?;
    if place_id == twin_id {
        return Err(
            AppError::BadUserInput("A place cannot be twinned with itself.".into())
                .at("input.twinId"),
        );
    }
    Ok((place_id, twin_id))
}

async fn places<C: ConnectionTrait>(
    db: &C,
    place_id: i32,
    twin_id: i32,
) -> AppResult<(place::Model, place::Model)> {
    Ok((
        existing::<place::Entity, _>(db, "input.cityId", place_id).await?,
        existing::<place::Entity, _>(db, "input.twinId", twin_id).await?,
    ))
}

async fn twinned<C: ConnectionTrait>(db: &C, place_id: i32, twin_id: i32) -> AppResult<bool> {
    Ok(twinning::Entity::find()
        .filter(twinning::Column::PlaceId.eq(place_id))
        .filter(twinning::Column::TwinId.eq(twin_id))
        .one(db)
        .await?
        .is_some())
}
