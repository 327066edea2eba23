//! The store of automatic persisted queries (Apollo's protocol, run by async-graphql's
//! extension): documents by the SHA-256 of their text, at most `PERSISTED_QUERIES` of them and
//! `PERSISTED_QUERIES_BYTES` in all (least recently used forgotten first), with hits and misses
//! counted for `/metrics`. A document is stored only once it passed the limits: the schema's
//! limits check it before the extension stores it, and [`PersistedQueries::forget`] it if its
//! validation then refuses it. The HTTP
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

/// A stored document and what it weighs ([`super::weight`]).
type Stored = (Arc<ExecutableDocument>, u64);

/// Weighs an entry by what it holds, and at least a `PERSISTED_QUERIES`th of the budget, so that
/// both the bytes and the number of documents are bounded.
#[derive(Clone)]
struct Weight {
    least: u64,
}

impl quick_cache::Weighter<String, Stored> for Weight {
    fn weight(&self, hash: &String, stored: &Stored) -> u64 {
        (hash.len() as u64 + stored.1).max(self.least)
    }
}

struct Inner {
    documents: quick_cache::sync::Cache<String, Stored, Weight>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl PersistedQueries {
    /// A store of at most `capacity` documents and `bytes` in all.
    pub fn new(capacity: usize, bytes: u64) -> Self {
        let capacity = capacity.max(1);
        let least = (bytes / capacity as u64).max(1);
        Self(Arc::new(Inner {
            documents: quick_cache::sync::Cache::with_weighter(capacity, bytes, Weight { least }),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }))
    }

    /// The document stored under `hash`, without counting a hit or a miss.
    pub fn peek(&self, hash: &str) -> Option<Arc<ExecutableDocument>> {
        self.0.documents.peek(hash).map(|stored| stored.0)
    }

    /// Forgets the document stored under `hash` (one that was refused after it was stored).
    pub fn forget(&self, hash: &str) {
        self.0.documents.remove(hash);
    }

    /// The bytes the stored documents hold, as weighed.
    pub fn bytes(&self) -> u64 {
        self.0.documents.weight()
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
        found.map(|stored| (*stored.0).clone())
    }

    async fn set(&self, key: String, query: ExecutableDocument) {
        let bytes = super::weight::document(&query);
        self.0.documents.insert(key, (Arc::new(query), bytes));
    }
}
