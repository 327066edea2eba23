//! `createCity`, `updateCity`, `deleteCity`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use entity::{event, event_participant, fold, membership, network, place, twinning};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    PaginatorTrait, QueryFilter,
};

use super::{
    authorize,
    event::{event_change, Concerned},
    input::{self, changed_slug, existing, insert_with_slug},
    still_referenced, unless_null, updated_with, Write,
};
use crate::{
    changes::{Action, Change},
    error::{AppError, AppResult},
    schema::{
        city::PlaceKind,
        ids::{self, NodeType},
        City,
    },
    search,
};

const MAX_NAME: usize = 200;

/// A place to add with `createCity`.
#[derive(InputObject)]
pub struct CreateCityInput {
    /// The place's name as it is usually written, e.g. "Düsseldorf": at most 200 characters,
    /// trimmed, no control characters.
    name: String,
    /// Defaults to the name in slug form ("dusseldorf"), with "-2", "-3", … appended if taken. A
    /// given slug must be lowercase ASCII words joined by `-`, at most 100 characters, and free (`CONFLICT` otherwise).
    slug: Option<String>,
    /// Whether the place is a city or a region.
    #[graphql(default_with = "PlaceKind::City")]
    kind: PlaceKind,
    /// ISO 3166-1 alpha-2, e.g. DE (any case; stored in capitals).
    country_code: Option<String>,
    /// The latitude in degrees, from -90 (south) to 90 (north).
    latitude: Option<f64>,
    /// The longitude in degrees, from -180 (west) to 180 (east).
    longitude: Option<f64>,
}

/// The result of `createCity`.
#[derive(SimpleObject)]
pub struct CreateCityPayload {
    /// The new place.
    city: City,
}

/// Changes to a place, for `updateCity`. Fields left out stay as they are; `null` clears a
/// nullable field. Changing the name keeps the slug (links stay valid) unless `slug` is given too.
#[derive(InputObject)]
pub struct UpdateCityInput {
    /// The global id of the place to change.
    id: ID,
    /// The new name: at most 200 characters, trimmed; cannot be null.
    name: MaybeUndefined<String>,
    /// The new slug: lowercase ASCII words joined by `-`, at most 100 characters, not another place's (`CONFLICT`); cannot be null.
    slug: MaybeUndefined<String>,
    /// The new kind; cannot be null.
    kind: MaybeUndefined<PlaceKind>,
    /// The new ISO 3166-1 alpha-2 country code (any case; stored in capitals).
    country_code: MaybeUndefined<String>,
    /// The new latitude in degrees, from -90 to 90.
    latitude: MaybeUndefined<f64>,
    /// The new longitude in degrees, from -180 to 180.
    longitude: MaybeUndefined<f64>,
}

/// The result of `updateCity`.
#[derive(SimpleObject)]
pub struct UpdateCityPayload {
    /// The place as changed.
    city: City,
}

/// The place to delete with `deleteCity`.
#[derive(InputObject)]
pub struct DeleteCityInput {
    /// The global id of the place to delete.
    id: ID,
    /// A place that still has memberships, event participations, twinnings, hosted events or
    /// founded networks is not deleted unless this is true; then its memberships,
    /// participations and twinnings are deleted with it, and events it hosted and networks
    /// founded there keep existing without that link.
    #[graphql(default)]
    cascade: bool,
}

/// The result of `deleteCity`.
#[derive(SimpleObject)]
pub struct DeleteCityPayload {
    /// The global id the deleted place had.
    deleted_city_id: ID,
}

#[derive(Default)]
pub struct CityMutation;

#[Object]
impl CityMutation {
    /// Adds a place (a city or a region).
    async fn create_city(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The place to add.")] input: CreateCityInput,
    ) -> Option<Result<CreateCityPayload>> {
        Some(create_city(ctx, input).await)
    }

    /// Changes a place's name, slug, kind, country or coordinates.
    async fn update_city(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The place to change, and how.")] input: UpdateCityInput,
    ) -> Option<Result<UpdateCityPayload>> {
        Some(update_city(ctx, input).await)
    }

    /// Deletes a place; see `DeleteCityInput.cascade` for what happens to what refers to it.
    async fn delete_city(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The place to delete.")] input: DeleteCityInput,
    ) -> Option<Result<DeleteCityPayload>> {
        Some(delete_city(ctx, input).await)
    }
}

async fn create_city(ctx: &Context<'_>, input: CreateCityInput) -> Result<CreateCityPayload> {
    authorize(ctx)?;
    let values = PlaceValues {
        name: input::text("input.name", &input.name, MAX_NAME)?,
        kind: input.kind,
        country_code: input::country_code("input.countryCode", input.country_code.as_deref())?,
        latitude: input::coordinate("input.latitude", input.latitude, 90.0)?,
        longitude: input::coordinate("input.longitude", input.longitude, 180.0)?,
    };
    let mut write = Write::begin(ctx).await?;
    let place = insert_with_slug::<place::Entity, _>(
        write.db(),
        place::Column::Slug,
        input.slug.as_deref(),
        &values.name,
        |slug| values.clone().into_active(NotSet, slug),
    )
    .await?;
    search::reindex_one(write.db(), search::place_entry(&place))
        .await
        .map_err(AppError::from)?;
    write.record(Change::Place {
        action: Action::Created,
        place: place.clone(),
    });
    write.commit(ctx).await?;
    Ok(CreateCityPayload { city: City(place) })
}

async fn update_city(ctx: &Context<'_>, input: UpdateCityInput) -> Result<UpdateCityPayload> {
    authorize(ctx)?;
    let name = unless_null("input.name", input.name)?;
    let slug = unless_null("input.slug", input.slug)?;
    let kind = unless_null("input.kind", input.kind)?;
    let id = input::row_id("input.id", &input.id, NodeType::City)?;
    let mut write = Write::begin(ctx).await?;
    let current = existing::<place::Entity, _>(write.db(), "input.id", id).await?;
    let slug = changed_slug::<place::Entity, _>(
        write.db(),
        place::Column::Slug,
        slug.as_deref(),
        &current.slug,
    )
    .await?;
    let values = PlaceValues {
        name: match &name {
            Some(name) => input::text("input.name", name, MAX_NAME)?,
            None => current.name.clone(),
        },
        kind: kind.unwrap_or(current.kind.into()),
        country_code: updated_with(input.country_code, current.country_code, |code| {
            input::country_code("input.countryCode", Some(&code))
        })?,
        latitude: updated_with(input.latitude, current.latitude, |degrees| {
            input::coordinate("input.latitude", Some(degrees), 90.0)
        })?,
        longitude: updated_with(input.longitude, current.longitude, |degrees| {
            input::coordinate("input.longitude", Some(degrees), 180.0)
        })?,
    };
    let mut active = values.into_active(Set(id), slug);
    active.source_id = Set(current.source_id);
    let place = active.update(write.db()).await.map_err(AppError::from)?;
    search::reindex_one(write.db(), search::place_entry(&place))
        .await
        .map_err(AppError::from)?;
    write.record(Change::Place {
        action: Action::Updated,
        place: place.clone(),
    });
    write.commit(ctx).await?;
    Ok(UpdateCityPayload { city: City(place) })
}

async fn delete_city(ctx: &Context<'_>, input: DeleteCityInput) -> Result<DeleteCityPayload> {
    authorize(ctx)?;
    let id = input::row_id("input.id", &input.id, NodeType::City)?;
    let mut write = Write::begin(ctx).await?;
    let place = existing::<place::Entity, _>(write.db(), "input.id", id).await?;
    let references = References::of(write.db(), id).await?;
    if !input.cascade {
        if let Some(refusal) = references.refusal(&place.name) {
            return Err(refusal.into());
        }
    }
    let memberships = membership::Entity::find()
        .filter(membership::Column::PlaceId.eq(id))
        .all(write.db())
        .await
        .map_err(AppError::from)?;
    let touched_events = events_of_place(write.db(), id).await?;
    let founded = network::Entity::find()
        .filter(network::Column::FoundedInId.eq(id))
        .all(write.db())
        .await
        .map_err(AppError::from)?;
    place::Entity::delete_by_id(id)
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    search::remove(write.db(), search::Kind::Place, id)
        .await
        .map_err(AppError::from)?;
    for membership in memberships {
        write.record(Change::Membership {
            action: Action::Deleted,
            membership,
        });
    }
    for event_id in touched_events {
        let event = existing::<event::Entity, _>(write.db(), "input.id", event_id).await?;
        let change = event_change(
            write.db(),
            Action::Updated,
            event,
            Concerned {
                places: vec![id],
                networks: Vec::new(),
            },
        )
        .await?;
        write.record(change);
    }
    for network in founded {
        write.record(Change::Network {
            action: Action::Updated,
            network: network::Model {
                founded_in_id: None,
                ..network
            },
        });
    }
    write.record(Change::Place {
        action: Action::Deleted,
        place,
    });
    write.commit(ctx).await?;
    Ok(DeleteCityPayload {
        deleted_city_id: ids::encode(NodeType::City, id),
    })
}

/// A place's checked attributes, as written by create and update.
#[derive(Clone)]
struct PlaceValues {
    name: String,
    kind: PlaceKind,
    country_code: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
}

impl PlaceValues {
    fn into_active(self, id: sea_orm::ActiveValue<i32>, slug: String) -> place::ActiveModel {
        place::ActiveModel {
            id,
            slug: Set(slug),
            name_folded: Set(fold(&self.name)),
            name: Set(self.name),
            kind: Set(self.kind.into()),
            country_code: Set(self.country_code),
            latitude: Set(self.latitude),
            longitude: Set(self.longitude),
            source_id: Set(None),
        }
    }
}

/// What refers to a place.
struct References {
    memberships: u64,
    participations: u64,
    twinnings: u64,
    hosted_events: u64,
    founded_networks: u64,
}

impl References {
    async fn of<C: ConnectionTrait>(db: &C, id: i32) -> AppResult<Self> {
        Ok(Self {
            memberships: membership::Entity::find()
                .filter(membership::Column::PlaceId.eq(id))
                .count(db)
                .await?,
            participations: event_participant::Entity::find()
                .filter(event_participant::Column::PlaceId.eq(id))
                .count(db)
                .await?,
            twinnings: twinning::Entity::find()
                .filter(twinning::Column::PlaceId.eq(id))
                .count(db)
                .await?,
            hosted_events: event::Entity::find()
                .filter(event::Column::HostId.eq(id))
                .count(db)
                .await?,
            founded_networks: network::Entity::find()
                .filter(network::Column::FoundedInId.eq(id))
                .count(db)
                .await?,
        })
    }

    fn refusal(&self, name: &str) -> Option<AppError> {
        still_referenced(
            name,
            &[
                (self.memberships, "membership(s)"),
                (self.participations, "event participation(s)"),
                (self.twinnings, "twinning(s)"),
                (self.hosted_events, "hosted event(s)"),
                (self.founded_networks, "network(s) founded there"),
            ],
        )
    }
}

/// The events a place hosts or takes part in.
async fn events_of_place<C: ConnectionTrait>(db: &C, id: i32) -> AppResult<Vec<i32>> {
    let mut events: Vec<i32> = event::Entity::find()
        .filter(event::Column::HostId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|event| event.id)
        .collect();
    events.extend(
        event_participant::Entity::find()
            .filter(event_participant::Column::PlaceId.eq(id))
            .all(db)
            .await?
            .into_iter()
            .map(|row| row.event_id),
    );
    events.sort_unstable();
    events.dedup();
    Ok(events)
}
