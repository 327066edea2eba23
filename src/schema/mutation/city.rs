//! `createCity`, `updateCity`, `deleteCity`: the GraphQL face of [`crate::service::place`].

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::{at_input, authorize, given, input::row_id, unless_null, updated_with, Write};
use crate::{
    domain::{AlternateNameList, CountryCode, Latitude, Longitude, Name, Slug},
    error::AppResult,
    schema::{
        enums::PlaceKind,
        ids::{self, NodeType},
        City,
    },
    service::place::{self, NewPlace, PlaceUpdate},
};

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
    /// Other names and spellings, searchable, e.g. ["Gdańsk", "Danzig"]: at most 20, each a
    /// valid name, none twice.
    #[graphql(default)]
    alternate_names: Vec<String>,
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
    /// The new other names, replacing all the current ones (`[]` removes them); cannot be null.
    alternate_names: MaybeUndefined<Vec<String>>,
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
    let new = new_place(input)?;
    let mut write = Write::begin(ctx).await?;
    let (place, changes) = place::create(write.db(), new, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(CreateCityPayload { city: City(place) })
}

async fn update_city(ctx: &Context<'_>, input: UpdateCityInput) -> Result<UpdateCityPayload> {
    authorize(ctx)?;
    let id = row_id("input.id", &input.id, NodeType::City)?;
    let edit = place_update(input)?;
    let mut write = Write::begin(ctx).await?;
    let (place, changes) = place::update(write.db(), id, edit, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(UpdateCityPayload { city: City(place) })
}

async fn delete_city(ctx: &Context<'_>, input: DeleteCityInput) -> Result<DeleteCityPayload> {
    authorize(ctx)?;
    let id = row_id("input.id", &input.id, NodeType::City)?;
    let mut write = Write::begin(ctx).await?;
    let (_, changes) = place::delete(write.db(), id, input.cascade, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(DeleteCityPayload {
        deleted_city_id: ids::encode(NodeType::City, id),
    })
}

fn new_place(input: CreateCityInput) -> AppResult<NewPlace> {
    Ok(NewPlace {
        name: Name::parse("input.name", &input.name)?,
        slug: given(input.slug, |slug| Slug::parse("input.slug", &slug))?,
        kind: input.kind.into(),
        country_code: given(input.country_code, |code| {
            CountryCode::parse("input.countryCode", &code)
        })?,
        latitude: given(input.latitude, |degrees| {
            Latitude::parse("input.latitude", degrees)
        })?,
        longitude: given(input.longitude, |degrees| {
            Longitude::parse("input.longitude", degrees)
        })?,
        alternate_names: AlternateNameList::parse("input.alternateNames", &input.alternate_names)?,
    })
}

fn place_update(input: UpdateCityInput) -> AppResult<PlaceUpdate> {
    Ok(PlaceUpdate {
        name: unless_null("input.name", input.name, |name| {
            Name::parse("input.name", &name)
        })?,
        slug: unless_null("input.slug", input.slug, |slug| {
            Slug::parse("input.slug", &slug)
        })?,
        kind: unless_null("input.kind", input.kind, |kind| Ok(kind.into()))?,
        country_code: updated_with(input.country_code, |code| {
            CountryCode::parse("input.countryCode", &code).map(Some)
        })?,
        latitude: updated_with(input.latitude, |degrees| {
            Latitude::parse("input.latitude", degrees).map(Some)
        })?,
        longitude: updated_with(input.longitude, |degrees| {
            Longitude::parse("input.longitude", degrees).map(Some)
        })?,
        alternate_names: unless_null("input.alternateNames", input.alternate_names, |names| {
            AlternateNameList::parse("input.alternateNames", &names)
        })?,
    })
}
