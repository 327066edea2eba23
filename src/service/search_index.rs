//! The full-text index's upkeep: one document per record in `search_entries`, written in the
//! same transaction as the record (see `loaders::search` for the queries).

use entity::{event, fold, network, place, search_entry};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};

pub use crate::loaders::search::Kind;

/// Rebuilds the whole index from the tables; run inside the transaction that changed them.
pub async fn reindex_all<C: ConnectionTrait>(db: &C) -> Result<usize, DbErr> {
    search_entry::Entity::delete_many().exec(db).await?;
    let topics = crate::loaders::topics::all_by_network(db).await?;
    let mut entries: Vec<search_entry::ActiveModel> = Vec::new();
    for place in place::Entity::find().all(db).await? {
        entries.push(place_entry(&place));
    }
    for network in network::Entity::find().all(db).await? {
        let network_topics = topics
            .get(&network.id)
            .map(Vec::as_slice)
            .unwrap_or_default();
        entries.push(network_entry(&network, network_topics));
    }
    for event in event::Entity::find().all(db).await? {
        entries.push(event_entry(&event));
    }
    let count = entries.len();
    // Chunks keep each statement well under SQLite's limit on bound parameters.
    for chunk in entries.chunks(500) {
        search_entry::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await?;
    }
    Ok(count)
}

/// Replaces the index entry of one record (for writes that change a single record).
pub async fn reindex_one<C: ConnectionTrait>(
    db: &C,
    entry: search_entry::ActiveModel,
) -> Result<(), DbErr> {
    let (Set(kind), Set(ref_id)) = (&entry.kind, &entry.ref_id) else {
        return Ok(());
    };
    delete_entry(db, kind, *ref_id).await?;
    search_entry::Entity::insert(entry).exec(db).await?;
    Ok(())
}

/// Removes the index entry of a deleted record.
pub async fn remove<C: ConnectionTrait>(db: &C, kind: Kind, id: i32) -> Result<(), DbErr> {
    delete_entry(db, kind.as_str(), id).await
}

async fn delete_entry<C: ConnectionTrait>(db: &C, kind: &str, id: i32) -> Result<(), DbErr> {
    search_entry::Entity::delete_many()
        .filter(search_entry::Column::Kind.eq(kind))
        .filter(search_entry::Column::RefId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

fn entry(kind: Kind, id: i32, title: &str, body: &str) -> search_entry::ActiveModel {
    search_entry::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        ref_id: Set(id),
        title: Set(fold(title)),
        body: Set(fold(body)),
        ..Default::default()
    }
}

pub fn place_entry(place: &place::Model) -> search_entry::ActiveModel {
    let kind = place.kind.to_value();
    let country = place.country_code.as_deref().unwrap_or_default();
    // Other names count as title words: "Gdańsk" finds Gdansk as well as its name does.
    let title = format!("{} {}", place.name, place.alternate_names.0.join(" "));
    entry(Kind::Place, place.id, &title, &format!("{kind} {country}"))
}

pub fn network_entry(network: &network::Model, topics: &[String]) -> search_entry::ActiveModel {
    let title = format!(
        "{} {} {}",
        network.name,
        network.acronym.as_deref().unwrap_or_default(),
        network.alternate_names.0.join(" ")
    );
    let body = format!(
        "{} {}",
        topics.join(" "),
        network.description.as_deref().unwrap_or_default()
    );
    entry(Kind::Network, network.id, &title, &body)
}

pub fn event_entry(event: &event::Model) -> search_entry::ActiveModel {
    let kind = event.kind.to_value();
    let body = format!("{kind} {}", event.topic.as_deref().unwrap_or_default());
    entry(Kind::Event, event.id, &event.title, &body)
}
