//! Full-text search over places, networks and events: the queries.
//!
//! The write side (`service::search_index`) keeps one document per record in `search_entries`
//! (names as the title, descriptions, topics and kinds as the body, all folded to lowercase
//! ASCII); the database indexes it — FTS5 on SQLite, a GIN `tsvector` index on PostgreSQL (see
//! the migration) — and ranks matches, names above the rest; names that begin with the query
//! come first, read from an index on the titles in order. Every word of a query must match,
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// The best `limit` matches of all `words` (as prefixes), best first: the entries whose title
/// begins with the words (alphabetically, then in the order they were recorded), then the other
/// matches, ranked. One statement: the first tier is a range of an index, so a short prefix
/// that begins thousands of names ("ber") costs one page of it; the full-text match and its
/// ranking run only when the first tier leaves the page short. That condition is decided once,
/// before the scan: PostgreSQL's one-time filter; on SQLite a `LIMIT` of 0, since a constant
/// `WHERE` term is checked only after FTS5 has expanded the prefix (0.5 ms for "ber" on the
/// 50 000-place world, against 0.05 ms for the first tier).
pub async fn search<C: ConnectionTrait>(
    db: &C,
    words: &[String],
    limit: u64,
) -> crate::error::AppResult<Vec<Hit>> {
    if words.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let hits = read_hits(db, statement(db.get_database_backend(), words, limit)).await?;
    // A ranked match may repeat one of the first tier: each entry once, in the first place.
    let mut seen = std::collections::HashSet::with_capacity(hits.len());
    Ok(hits
        .into_iter()
        .filter(|hit| seen.insert(*hit))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect())
}

/// The two tiers in one statement, in order: `tier`, then the title (first tier) or the rank
/// (second tier), then the entry's id. The second tier asks for twice the page, enough to fill
/// it after the repeats are dropped.
fn statement(backend: DbBackend, words: &[String], limit: i64) -> Statement {
    let prefix = words.join(" ");
    let end = prefix_end(&prefix);
    // The words hold only [a-z0-9], so they are safe inside either engine's query syntax.
    match backend {
        DbBackend::Postgres => {
            let expression = words
                .iter()
                .map(|word| format!("{word}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            Statement::from_sql_and_values(
                backend,
                "WITH first AS (SELECT kind, ref_id, title, id FROM search_entries \
                   WHERE title COLLATE \"C\" >= $1 AND title COLLATE \"C\" < $2 \
                   ORDER BY title COLLATE \"C\", id LIMIT $3) \
                 SELECT kind, ref_id, 0 AS tier, title COLLATE \"C\" AS title_key, \
                   0::real AS rank_key, id FROM first \
                 UNION ALL \
                 SELECT * FROM (SELECT e.kind, e.ref_id, 1, ''::text COLLATE \"C\", \
                   -ts_rank(setweight(to_tsvector('simple', e.title), 'A') || \
                            setweight(to_tsvector('simple', e.body), 'B'), q), e.id \
                   FROM search_entries e, to_tsquery('simple', $4) q \
                   WHERE (SELECT count(*) FROM first) < $3 \
                     AND (setweight(to_tsvector('simple', e.title), 'A') || \
                          setweight(to_tsvector('simple', e.body), 'B')) @@ q \
                   ORDER BY 5, e.id LIMIT $5) ranked \
                 ORDER BY tier, title_key, rank_key, id",
                [
                    prefix.into(),
                    end.into(),
                    limit.into(),
                    expression.into(),
                    limit.saturating_mul(2).into(),
                ],
            )
        }
        _ => {
            let expression = words
                .iter()
                .map(|word| format!("\"{word}\"*"))
                .collect::<Vec<_>>()
                .join(" ");
            Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "WITH first AS (SELECT kind, ref_id, title, id FROM search_entries \
                   WHERE title >= ?1 AND title < ?2 ORDER BY title, id LIMIT ?3) \
                 SELECT kind, ref_id, 0 AS tier, title AS title_key, 0.0 AS rank_key, id \
                   FROM first \
                 UNION ALL \
                 SELECT * FROM (SELECT e.kind, e.ref_id, 1, '', bm25(search_fts, 10.0, 1.0), \
                   e.id FROM search_fts JOIN search_entries e ON e.id = search_fts.rowid \
                   WHERE search_fts MATCH ?4 ORDER BY 5, e.id \
                   LIMIT CASE WHEN (SELECT count(*) FROM first) < ?3 THEN ?5 ELSE 0 END) \
                 ORDER BY tier, title_key, rank_key, id",
                [
                    prefix.into(),
                    end.into(),
                    limit.into(),
                    expression.into(),
                    limit.saturating_mul(2).into(),
                ],
            )
        }
    }
}

/// The least text after every text that begins with `prefix` (bytewise): `prefix` with its last
/// character raised by one. Query words hold only `[a-z0-9]`, so the result is ASCII.
fn prefix_end(prefix: &str) -> String {
    let mut end = prefix.to_owned();
    if let Some(last) = end.pop() {
        end.push(char::from_u32(last as u32 + 1).unwrap_or(char::MAX));
    }
    end
}

async fn read_hits<C: ConnectionTrait>(
    db: &C,
    statement: Statement,
) -> crate::error::AppResult<Vec<Hit>> {
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

    #[test]
    fn a_prefix_range_ends_after_every_text_that_begins_with_it() {
        assert_eq!(prefix_end("ber"), "bes");
        assert_eq!(prefix_end("crisis z"), "crisis {");
        assert_eq!(prefix_end("c40"), "c41");
        assert_eq!(prefix_end("a9"), "a:");
        for text in ["ber", "berlin", "ber lin", "berzzzz"] {
            assert!(text >= "ber" && text < prefix_end("ber").as_str(), "{text}");
        }
        for text in ["be", "bes", "bf", "a"] {
            assert!(
                !(text >= "ber" && text < prefix_end("ber").as_str()),
                "{text}"
            );
        }
    }
}
