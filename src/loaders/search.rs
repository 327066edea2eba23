//! Full-text search over places, networks and events: the queries.
//!
//! The write side (`service::search_index`) keeps one document per record in `search_entries`
//! (names as the title, descriptions, topics and kinds as the body, all folded to lowercase
//! ASCII); the database indexes it — FTS5 on SQLite, a GIN `tsvector` index on PostgreSQL (see
//! the migration) — and ranks matches, names above the rest. Every word of a query must match,
//! as a prefix.

use entity::fold;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// What a search entry describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Place,
    Network,
    Event,
}

impl Kind {
    /// The kind as stored in `search_entries.kind`.
    pub fn as_str(self) -> &'static str {
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
