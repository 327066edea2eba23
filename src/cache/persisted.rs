//! The store of automatic persisted queries (Apollo's protocol, run by async-graphql's
//! extension): documents by the SHA-256 of their text, at most `PERSISTED_QUERIES` of them
//! (least recently used forgotten first), with hits and misses counted for `/metrics`. The HTTP
//! layer looks documents up here too, to tell whether a hash-only request may be answered from
//! the response cache.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use async_graphql::{
    extensions::apollo_persisted_queries::CacheStorage, parser::types::ExecutableDocument,
};

#[derive(Clone)]
pub struct PersistedQueries(Arc<Inner>);

struct Inner {
    documents: quick_cache::sync::Cache<String, Arc<ExecutableDocument>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl PersistedQueries {
    pub fn new(capacity: usize) -> Self {
        Self(Arc::new(Inner {
            documents: quick_cache::sync::Cache::new(capacity.max(1)),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }))
    }

    /// The document stored under `hash`, without counting a hit or a miss.
    pub fn peek(&self, hash: &str) -> Option<Arc<ExecutableDocument>> {
        self.0.documents.peek(hash)
    }

    /// Hash-only requests answered from the store.
    pub fn hits(&self) -> u64 {
        self.0.hits.load(Ordering::Relaxed)
    }

    /// Hash-only requests whose hash was unknown (`PERSISTED_QUERY_NOT_FOUND`).
    pub fn misses(&self) -> u64 {
        self.0.misses.load(Ordering::Relaxed)
    }
}

#[async_graphql::async_trait::async_trait]
impl CacheStorage for PersistedQueries {
    async fn get(&self, key: String) -> Option<ExecutableDocument> {
        let found = self.0.documents.get(&key);
        let counter = if found.is_some() {
            &self.0.hits
        } else {
            &self.0.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found.map(|document| (*document).clone())
    }

    async fn set(&self, key: String, query: ExecutableDocument) {
        self.0.documents.insert(key, Arc::new(query));
    }
}
