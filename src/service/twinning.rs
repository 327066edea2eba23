//! Twinnings between two places: create and delete. A twinning is symmetric and stored from
//! both sides (see `entity::twinning`), so both rows are written or deleted together. Twinnings
//! are not announced to subscribers (no `Change` describes them), so the change lists are
//! empty.

use entity::{place, twinning};
use sea_orm::{
    sea_query::ExprTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    QueryFilter,
};

use super::existing::existing;
use crate::{
    changes::Change,
    domain::InputPath,
    error::{AppError, AppResult},
};

/// The two places of a twinning, as named by the caller (`cityId`, `twinId`).
#[derive(Clone, Debug)]
pub struct Twins {
    pub place: place::Model,
    pub twin: place::Model,
}

/// Twins the places `place_id` and `twin_id` (`CONFLICT` if they already are).
#[tracing::instrument(skip(db))]
pub async fn create(
    db: &DatabaseTransaction,
    place_id: i32,
    twin_id: i32,
    at: &InputPath,
) -> AppResult<(Twins, Vec<Change>)> {
    let twins = places(db, place_id, twin_id, at).await?;
    if twinned(db, place_id, twin_id).await? {
        return Err(AppError::Conflict(format!(
            "{} and {} are already twinned.",
            twins.place.name, twins.twin.name
        ))
        .at(at.field("twinId")));
    }
    super::rows::insert_twinnings(db, [(place_id, twin_id, None)]).await?;
    Ok((twins, Vec::new()))
}

/// Ends the twinning of `place_id` and `twin_id` (`NOT_FOUND` if they are not twinned).
#[tracing::instrument(skip(db))]
pub async fn delete(
    db: &DatabaseTransaction,
    place_id: i32,
    twin_id: i32,
    at: &InputPath,
) -> AppResult<(Twins, Vec<Change>)> {
    let twins = places(db, place_id, twin_id, at).await?;
    let deleted = twinning::Entity::delete_many()
        .filter(
            (twinning::Column::PlaceId
                .eq(place_id)
                .and(twinning::Column::TwinId.eq(twin_id)))
            .or(twinning::Column::PlaceId
                .eq(twin_id)
                .and(twinning::Column::TwinId.eq(place_id))),
        )
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound(format!(
            "{} and {} are not twinned.",
            twins.place.name, twins.twin.name
        ))
        .at(at.field("twinId")));
    }
    Ok((twins, Vec::new()))
}

/// Both places, which must exist and differ (a place cannot be twinned with itself).
async fn places<C: ConnectionTrait>(
    db: &C,
    place_id: i32,
    twin_id: i32,
    at: &InputPath,
) -> AppResult<Twins> {
    if super::rules::twins_differ(&place_id, &twin_id).is_err() {
        return Err(
            AppError::BadUserInput("A place cannot be twinned with itself.".into())
                .at(at.field("twinId")),
        );
    }
    Ok(Twins {
        place: existing::<place::Entity, _>(db, &at.field("cityId"), place_id).await?,
        twin: existing::<place::Entity, _>(db, &at.field("twinId"), twin_id).await?,
    })
}

async fn twinned<C: ConnectionTrait>(db: &C, place_id: i32, twin_id: i32) -> AppResult<bool> {
    Ok(twinning::Entity::find()
        .filter(twinning::Column::PlaceId.eq(place_id))
        .filter(twinning::Column::TwinId.eq(twin_id))
        .one(db)
        .await?
        .is_some())
}
