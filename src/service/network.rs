//! Networks: create, update, delete. A network's topics are written with it and indexed for
//! search with it. A delete refuses while memberships or events refer to the network, unless
//! it cascades: then they go with it (the database's foreign keys delete them; this module
//! announces them and takes the events out of the search index).

use entity::{event, membership, network, network_topic, place, statement::CountQualifier};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, NotSet, QueryFilter, QueryOrder,
};

use super::{
    event::{event_change, Concerned},
    existing::existing,
    references::still_referenced,
    rows::{self, NetworkValues},
    slug::{changed_slug, insert_with_slug},
    Edit,
};
use crate::{
    changes::{Action, Change},
    domain::{Acronym, AlternateNameList, Count, Description, InputPath, Name, Slug, Topics, Year},
    error::{AppError, AppResult},
    service::search_index,
};

/// A network to create.
#[derive(Clone, Debug)]
pub struct NewNetwork {
    pub name: Name,
    /// Made from the name when not given.
    pub slug: Option<Slug>,
    pub acronym: Option<Acronym>,
    pub description: Option<Description>,
    pub topics: Topics,
    pub founded_year: Option<Year>,
    pub founded_in_id: Option<i32>,
    pub reported_member_count: Option<Count>,
    /// How the source qualifies the count; needs a count.
    pub reported_member_count_qualifier: Option<CountQualifier>,
    pub alternate_names: AlternateNameList,
}

/// Changes to a network; new `topics` replace all the current ones.
#[derive(Clone, Debug, Default)]
pub struct NetworkUpdate {
    pub name: Edit<Name>,
    pub slug: Edit<Slug>,
    pub acronym: Edit<Option<Acronym>>,
    pub description: Edit<Option<Description>>,
    pub topics: Edit<Topics>,
    pub founded_year: Edit<Option<Year>>,
    pub founded_in_id: Edit<Option<i32>>,
    pub reported_member_count: Edit<Option<Count>>,
    /// Kept when left out; cleared with the count when the count is cleared.
    pub reported_member_count_qualifier: Edit<Option<CountQualifier>>,
    pub alternate_names: Edit<AlternateNameList>,
}

/// Creates a network under a free slug, with its topics.
#[tracing::instrument(skip(db))]
pub async fn create(
    db: &DatabaseTransaction,
    new: NewNetwork,
    at: &InputPath,
) -> AppResult<(network::Model, Vec<Change>)> {
    let values = NetworkValues {
        name: new.name.as_str().to_owned(),
        acronym: new.acronym.map(Acronym::into_inner),
        description: new.description.map(Description::into_inner),
        founded_year: new.founded_year.map(Year::value),
        founded_in_id: new.founded_in_id,
        reported_member_count: new.reported_member_count.map(Count::value),
        reported_member_count_qualifier: new.reported_member_count_qualifier,
        alternate_names: new.alternate_names.to_strings(),
        source_id: None,
    };
    check_references(&values, db, at).await?;
    let network = insert_with_slug::<network::Entity, _>(
        db,
        network::Column::Slug,
        new.slug.as_ref(),
        &new.name,
        at,
        |slug| values.clone().active(NotSet, slug.into_inner()),
    )
    .await?;
    let topics = new.topics.to_strings();
    rows::replace_topics(db, network.id, &topics).await?;
    search_index::reindex_one(db, search_index::network_entry(&network, &topics)).await?;
    let change = Change::Network {
        action: Action::Created,
        network: network.clone(),
    };
    Ok((network, vec![change]))
}

/// Changes the network `id`.
#[tracing::instrument(skip(db))]
pub async fn update(
    db: &DatabaseTransaction,
    id: i32,
    edit: NetworkUpdate,
    at: &InputPath,
) -> AppResult<(network::Model, Vec<Change>)> {
    let current = existing::<network::Entity, _>(db, &at.field("id"), id).await?;
    let slug =
        changed_slug::<network::Entity, _>(db, network::Column::Slug, edit.slug, current.slug, at)
            .await?;
    let values = NetworkValues {
        name: edit.name.map(Name::into_inner).apply(current.name),
        acronym: edit
            .acronym
            .map(|text| text.map(Acronym::into_inner))
            .apply(current.acronym),
        description: edit
            .description
            .map(|text| text.map(Description::into_inner))
            .apply(current.description),
        founded_year: edit
            .founded_year
            .map(|year| year.map(Year::value))
            .apply(current.founded_year),
        founded_in_id: edit.founded_in_id.apply(current.founded_in_id),
        reported_member_count_qualifier: match (
            &edit.reported_member_count,
            &edit.reported_member_count_qualifier,
        ) {
            // A cleared count takes its qualifier along unless one is given (then refused below).
            (Edit::To(None), Edit::Keep) => None,
            _ => edit
                .reported_member_count_qualifier
                .apply(current.reported_member_count_qualifier),
        },
        reported_member_count: edit
            .reported_member_count
            .map(|count| count.map(Count::value))
            .apply(current.reported_member_count),
        alternate_names: edit
            .alternate_names
            .map(|names| names.to_strings())
            .apply(current.alternate_names.0),
        source_id: current.source_id,
    };
    check_references(&values, db, at).await?;
    let network = rows::update_network(db, id, slug, values).await?;
    let topics = match edit.topics {
        Edit::To(topics) => {
            let topics = topics.to_strings();
            rows::replace_topics(db, id, &topics).await?;
            topics
        }
        Edit::Keep => current_topics(db, id).await?,
    };
    search_index::reindex_one(db, search_index::network_entry(&network, &topics)).await?;
    let change = Change::Network {
        action: Action::Updated,
        network: network.clone(),
    };
    Ok((network, vec![change]))
}

/// Deletes the network `id`; see the module doc for `cascade`. Returns the network as it was.
#[tracing::instrument(skip(db))]
pub async fn delete(
    db: &DatabaseTransaction,
    id: i32,
    cascade: bool,
    at: &InputPath,
) -> AppResult<(network::Model, Vec<Change>)> {
    let network = existing::<network::Entity, _>(db, &at.field("id"), id).await?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::NetworkId.eq(id))
        .all(db)
        .await?;
    let events = event::Entity::find()
        .filter(event::Column::NetworkId.eq(id))
        .all(db)
        .await?;
    if !cascade {
        let references = [
            (memberships.len() as u64, "membership(s)"),
            (events.len() as u64, "event(s)"),
        ];
        if let Some(refusal) = still_referenced(&at.field("id"), &network.name, &references) {
            return Err(refusal);
        }
    }
    // Announced as they were before the delete, with their places for filtering.
    let mut event_changes = Vec::with_capacity(events.len());
    for event in events {
        search_index::remove(db, search_index::Kind::Event, event.id).await?;
        event_changes.push(event_change(db, Action::Deleted, event, Concerned::default()).await?);
    }
    network::Entity::delete_by_id(id).exec(db).await?;
    search_index::remove(db, search_index::Kind::Network, id).await?;
    let mut changes: Vec<Change> = memberships
        .into_iter()
        .map(|membership| Change::Membership {
            action: Action::Deleted,
            membership,
        })
        .collect();
    changes.extend(event_changes);
    changes.push(Change::Network {
        action: Action::Deleted,
        network: network.clone(),
    });
    Ok((network, changes))
}

/// A count's qualifier needs the count; the founding place must exist.
async fn check_references<C: ConnectionTrait>(
    values: &NetworkValues,
    db: &C,
    at: &InputPath,
) -> AppResult<()> {
    let counted = super::rules::qualifier_needs_count(
        values.reported_member_count,
        values.reported_member_count_qualifier,
    );
    if counted.is_err() {
        let field = at.field("reportedMemberCountQualifier");
        return Err(AppError::BadUserInput(format!(
            "`{field}` qualifies a count: give `{}` too.",
            at.field("reportedMemberCount")
        ))
        .at(field));
    }
    if let Some(place_id) = values.founded_in_id {
        existing::<place::Entity, _>(db, &at.field("foundedInId"), place_id).await?;
    }
    Ok(())
}

async fn current_topics<C: ConnectionTrait>(db: &C, network_id: i32) -> AppResult<Vec<String>> {
    Ok(network_topic::Entity::find()
        .filter(network_topic::Column::NetworkId.eq(network_id))
        .order_by_asc(network_topic::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.topic)
        .collect())
}
