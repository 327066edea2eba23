//! `search(query:)`: one box over places, networks and events, ranked.

use async_graphql::{Context, Object, Result, Union};

use super::{db, loader, pagination, City, Event, Network};
use crate::{
    error::AppError,
    loaders::by_id::{EventId, NetworkId, PlaceId},
    loaders::search::{self, Kind},
};

/// What `search` can find: a place, a network or an event.
#[derive(Union)]
pub enum SearchResult {
    City(City),
    Network(Network),
    Event(Event),
}

const DEFAULT_RESULTS: i32 = 10;
const MAX_RESULTS: i32 = 100;

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Places, networks and events whose names (or other names), acronyms, descriptions, topics
    /// or titles contain every word of `query` (as a word prefix, ignoring case and
    /// diacritics), best match first: the names that begin with `query` (alphabetically), then
    /// the other matches, names above descriptions. Unlike the lists, this is not a connection: it returns one
    /// page and has no cursors.
    #[graphql(complexity = "pagination::list_cost(first, None, child_complexity)")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "The words to look for; each must begin a word of a match. Only letters \
            and digits count (at least one is needed, `BAD_USER_INPUT` otherwise); the first 8 \
            words are used, each up to 64 characters."
        )]
        query: String,
        #[graphql(desc = "How many results to return, from 0 to 100 (`BAD_USER_INPUT` \
            otherwise); 10 when left out.")]
        first: Option<i32>,
    ) -> Result<Vec<SearchResult>> {
        let first = pagination::page_size("first", first.unwrap_or(DEFAULT_RESULTS), MAX_RESULTS)?;
        let words = search::query_words(&query);
        if words.is_empty() {
            return Err(AppError::BadUserInput(
                "`query` needs at least one letter or digit.".into(),
            )
            .into());
        }
        let hits = search::search(db(ctx)?, &words, first).await?;
        let ids = |kind: Kind| hits.iter().filter(move |h| h.kind == kind).map(|h| h.id);
        let loader = loader(ctx)?;
        let (places, networks, events) = futures_util::try_join!(
            loader.load_many(ids(Kind::Place).map(PlaceId)),
            loader.load_many(ids(Kind::Network).map(NetworkId)),
            loader.load_many(ids(Kind::Event).map(EventId)),
        )?;
        Ok(hits
            .iter()
            .filter_map(|hit| match hit.kind {
                Kind::Place => places
                    .get(&PlaceId(hit.id))
                    .cloned()
                    .map(|m| SearchResult::City(City(m))),
                Kind::Network => networks
                    .get(&NetworkId(hit.id))
                    .cloned()
                    .map(|m| SearchResult::Network(Network(m))),
                Kind::Event => events
                    .get(&EventId(hit.id))
                    .cloned()
                    .map(|m| SearchResult::Event(Event(m))),
            })
            .collect())
    }
}
