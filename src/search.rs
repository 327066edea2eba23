//! Full-text search over places, networks and events.
//!
//! The application writes one document per record into `search_entries` (names as the title,
//! descriptions, topics and kinds as the body, all folded to lowercase ASCII); the database
//! indexes it — FTS5 on SQLite, a GIN `tsvector` index on PostgreSQL (see the migration) — and
//! ranks matches, names above the rest. Every word of a query must match, as a prefix.

use std::collections::HashMap;

use entity::{event, fold, network, network_topic, place, search_entry};
use sea_orm::{
    ActiveEnum, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};

/// What a search entry describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Place,
    Network,
    Event,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Place => "city",
            Kind::Network => "network",
            Kind::Event => "event",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        [Kind::Place, Kind::Network, Kind::Event]
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }
}

/// One match, best first.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: i32,
}

/// At most this many words of a query are used.
const MAX_QUERY_WORDS: usize = 8;

/// The words of a query: folded, split on anything but letters and digits.
pub fn query_words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_QUERY_WORDS)
        .map(|word| word.chars().take(64).collect())
        .collect()
}

/// The best `limit` matches of all `words` (as prefixes), best first.
pub async fn search<C: ConnectionTrait>(
    db: &C,
    words: &[String],
    limit: u64,
) -> crate::error::AppResult<Vec<Hit>> {
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    // The words hold only [a-z0-9], so they are safe inside either engine's query syntax.
    let statement = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let expression = words
                .iter()
                .map(|word| format!("\"{word}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "SELECT e.kind, e.ref_id FROM search_fts \
                 JOIN search_entries e ON e.id = search_fts.rowid \
                 WHERE search_fts MATCH ? \
                 ORDER BY bm25(search_fts, 10.0, 1.0), e.id LIMIT ?",
                [expression.into(), limit.into()],
            )
        }
        backend => {
            let expression = words
                .iter()
                .map(|word| format!("{word}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            Statement::from_sql_and_values(
                backend,
                "SELECT e.kind, e.ref_id FROM search_entries e, to_tsquery('simple', $1) q \
                 WHERE (setweight(to_tsvector('simple', e.title), 'A') || \
                        setweight(to_tsvector('simple', e.body), 'B')) @@ q \
                 ORDER BY ts_rank(setweight(to_tsvector('simple', e.title), 'A') || \
                                  setweight(to_tsvector('simple', e.body), 'B'), q) DESC, e.id \
                 LIMIT $2",
                [expression.into(), limit.into()],
            )
        }
    };
    let rows = db.query_all_raw(statement).await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("", "kind")?;
        if let Some(kind) = Kind::parse(&kind) {
            hits.push(Hit {
                kind,
                id: row.try_get("", "ref_id")?,
            });
        }
    }
    Ok(hits)
}

/// Rebuilds the whole index from the tables; run inside the transaction that changed them.
pub async fn reindex_all<C: ConnectionTrait>(db: &C) -> Result<usize, DbErr> {
    search_entry::Entity::delete_many().exec(db).await?;
    let mut topics: HashMap<i32, Vec<String>> = HashMap::new();
    for topic in network_topic::Entity::find()
        .order_by_asc(network_topic::Column::Position)
        .all(db)
        .await?
    {
        topics
            .entry(topic.network_id)
            .or_default()
            .push(topic.topic);
    }
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
    entry(
        Kind::Place,
        place.id,
        &place.name,
        &format!("{kind} {country}"),
    )
}

pub fn network_entry(network: &network::Model, topics: &[String]) -> search_entry::ActiveModel {
    let title = format!(
        "{} {}",
        network.name,
        network.acronym.as_deref().unwrap_or_default()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_words_are_folded_and_stripped_of_syntax() {
        assert_eq!(query_words("Düsseldorf"), ["dusseldorf"]);
        assert_eq!(
            query_words("  crisis\"* OR NEAR(x)  "),
            ["crisis", "or", "near", "x"]
        );
        assert_eq!(query_words("%%%"), Vec::<String>::new());
        assert_eq!(query_words("a b c d e f g h i j").len(), MAX_QUERY_WORDS);
    }
}
