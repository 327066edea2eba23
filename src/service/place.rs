//! Places (cities and regions): create, update, delete. A delete refuses while anything refers
//! to the place, unless it cascades: then its memberships, participations and twinnings go with
//! it, and the events it hosted and the networks founded there lose that link (the database's
//! foreign keys do both; this module announces them).

use entity::{event, event_participant, membership, network, place, twinning};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, PaginatorTrait,
    QueryFilter,
};

use super::{
    event::{event_change, Concerned},
    existing::existing,
    references::still_referenced,
    rows::{self, PlaceValues},
    slug::{changed_slug, insert_with_slug},
    Edit,
};
use crate::{
    changes::{Action, Change},
    domain::{AlternateNameList, CountryCode, InputPath, Latitude, Longitude, Name, Slug},
    error::{AppError, AppResult},
    service::search_index,
};

/// A place to create.
#[derive(Clone, Debug)]
pub struct NewPlace {
    pub name: Name,
    /// Made from the name when not given.
    pub slug: Option<Slug>,
    pub kind: place::PlaceKind,
    pub country_code: Option<CountryCode>,
    pub latitude: Option<Latitude>,
    pub longitude: Option<Longitude>,
    pub alternate_names: AlternateNameList,
}

/// Changes to a place. A new name keeps the slug (links stay valid) unless a slug is given too.
#[derive(Clone, Debug, Default)]
pub struct PlaceUpdate {
    pub name: Edit<Name>,
    pub slug: Edit<Slug>,
    pub kind: Edit<place::PlaceKind>,
    pub country_code: Edit<Option<CountryCode>>,
    pub latitude: Edit<Option<Latitude>>,
    pub longitude: Edit<Option<Longitude>>,
    pub alternate_names: Edit<AlternateNameList>,
}

/// Creates a place under a free slug.
#[tracing::instrument(skip(db))]
pub async fn create(
    db: &DatabaseTransaction,
    new: NewPlace,
    at: &InputPath,
) -> AppResult<(place::Model, Vec<Change>)> {
    let values = PlaceValues {
        name: new.name.as_str().to_owned(),
        kind: new.kind,
        country_code: new.country_code.map(CountryCode::into_inner),
        latitude: new.latitude.map(Latitude::value),
        longitude: new.longitude.map(Longitude::value),
        alternate_names: new.alternate_names.to_strings(),
        source_id: None,
    };
    let place = insert_with_slug::<place::Entity, _>(
        db,
        place::Column::Slug,
        new.slug.as_ref(),
        &new.name,
        at,
        |slug| values.clone().active(NotSet, slug.into_inner()),
    )
    .await?;
    search_index::reindex_one(db, search_index::place_entry(&place)).await?;
    let change = Change::Place {
        action: Action::Created,
        place: place.clone(),
    };
    Ok((place, vec![change]))
}

/// Changes the place `id`.
#[tracing::instrument(skip(db))]
pub async fn update(
    db: &DatabaseTransaction,
    id: i32,
    edit: PlaceUpdate,
    at: &InputPath,
) -> AppResult<(place::Model, Vec<Change>)> {
    let current = existing::<place::Entity, _>(db, &at.field("id"), id).await?;
    let slug =
        changed_slug::<place::Entity, _>(db, place::Column::Slug, edit.slug, current.slug, at)
            .await?;
    let values = PlaceValues {
        name: edit.name.map(Name::into_inner).apply(current.name),
        kind: edit.kind.apply(current.kind),
        country_code: edit
            .country_code
            .map(|code| code.map(CountryCode::into_inner))
            .apply(current.country_code),
        latitude: edit
            .latitude
            .map(|degrees| degrees.map(Latitude::value))
            .apply(current.latitude),
        longitude: edit
            .longitude
            .map(|degrees| degrees.map(Longitude::value))
            .apply(current.longitude),
        alternate_names: edit
            .alternate_names
            .map(|names| names.to_strings())
            .apply(current.alternate_names.0),
        source_id: current.source_id,
    };
    let place = rows::update_place(db, id, slug, values).await?;
    search_index::reindex_one(db, search_index::place_entry(&place)).await?;
    let change = Change::Place {
        action: Action::Updated,
        place: place.clone(),
    };
    Ok((place, vec![change]))
}

/// Deletes the place `id`; see the module doc for `cascade`. Returns the place as it was.
#[tracing::instrument(skip(db))]
pub async fn delete(
    db: &DatabaseTransaction,
    id: i32,
    cascade: bool,
    at: &InputPath,
) -> AppResult<(place::Model, Vec<Change>)> {
    let place = existing::<place::Entity, _>(db, &at.field("id"), id).await?;
    if !cascade {
        let references = References::of(db, id).await?;
        if let Some(refusal) = references.refusal(&at.field("id"), &place.name) {
            return Err(refusal);
        }
    }
    refuse_if_events_would_collide(db, id, &place.name, at).await?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::PlaceId.eq(id))
        .all(db)
        .await?;
    let touched_events = events_of_place(db, id).await?;
    let founded = network::Entity::find()
        .filter(network::Column::FoundedInId.eq(id))
        .all(db)
        .await?;
    place::Entity::delete_by_id(id).exec(db).await?;
    search_index::remove(db, search_index::Kind::Place, id).await?;
    let mut changes: Vec<Change> = memberships
        .into_iter()
        .map(|membership| Change::Membership {
            action: Action::Deleted,
            membership,
        })
        .collect();
    for event_id in touched_events {
        changes.push(unlinked_event(db, event_id, id, at).await?);
    }
    changes.extend(founded.into_iter().map(|network| Change::Network {
        action: Action::Updated,
        network: network::Model {
            founded_in_id: None,
            ..network
        },
    }));
    changes.push(Change::Place {
        action: Action::Deleted,
        place: place.clone(),
    });
    Ok((place, changes))
}

/// Deleting a place leaves the events it hosted without a host; an event is named by its
/// network, year, title and host, so one of them must not then be another's twin (`CONFLICT`
/// naming it, instead of the database's unique index failing the delete).
async fn refuse_if_events_would_collide(
    db: &DatabaseTransaction,
    id: i32,
    name: &str,
    at: &InputPath,
) -> AppResult<()> {
    let hosted = event::Entity::find()
        .filter(event::Column::HostId.eq(id))
        .all(db)
        .await?;
    for event in hosted {
        let twin = super::event::named(event.network_id, event.year, &event.title, None);
        if twin.one(db).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "{name} hosts the event {:?}, which without its host would be the same as \
                 another event of its network: delete or rename one of them first.",
                event.title
            ))
            .at(at.field("id")));
        }
    }
    Ok(())
}

/// The change of an event that the deleted place `place_id` hosted or took part in, announced
/// to that place's subscribers too.
async fn unlinked_event(
    db: &DatabaseTransaction,
    event_id: i32,
    place_id: i32,
    at: &InputPath,
) -> AppResult<Change> {
    let event = existing::<event::Entity, _>(db, &at.field("id"), event_id).await?;
    let before = Concerned {
        places: vec![place_id],
        networks: Vec::new(),
    };
    event_change(db, Action::Updated, event, before).await
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

    fn refusal(&self, field: &str, name: &str) -> Option<AppError> {
        still_referenced(
            field,
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
