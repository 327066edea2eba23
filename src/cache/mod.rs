//! Caching of what clients ask again and again: complete query answers ([`ResponseCache`]),
//! parsed documents ([`documents`]), their validation ([`validations`]) and automatic persisted
//! queries ([`persisted`]).
//!
//! # The response cache is never stale
//!
//! A query that starts after a write was acknowledged — through this instance or any other on
//! the same database — sees that write. The argument:
//!
//! 1. Every write transaction bumps the database's **write generation** inside the transaction
//!    ([`Feed::record`](crate::changes::feed::Feed::record)), so the generation and the data
//!    become visible together, at the commit, and the write is acknowledged only after it.
//! 2. Before a query looks in the cache, it reads the current generation `g`
//!    ([`Feed::current`](crate::changes::feed::Feed::current)): on PostgreSQL from the database
//!    (a primary-key lookup, so a commit of any instance counts the moment it is visible), on
//!    SQLite from the process's counter, which the commit task advances before the mutation
//!    answers.
//! 3. An answer is stored under the generation read *before* it was executed, so it reflects at
//!    least generation `g`; it is served only to a query that read the same `g`. A write
//!    acknowledged before a query started has a generation `≤ g` of that query, and an answer
//!    stored under an older generation is never served to it.
//! 4. When the generation cannot be read (the database does not answer, or on PostgreSQL the
//!    change-feed listener is down), the query runs without the cache.
//!
//! On SQLite, one process normally serves a file; writes by another process (the CLI) raise the
//! database's generation and are noticed within the feed's poll interval (250 ms), not at once.
//!
//! Only complete answers are kept (no errors, no extensions), of query operations that do not
//! ask for `rateLimit`, keyed by the digest of the normalized document (or the persisted
//! query's hash), the operation name, the variables in canonical form and the caller's access
//! (a writer's answers are kept apart), and bounded in bytes by `RESPONSE_CACHE_BYTES`.

pub mod documents;
pub mod persisted;
pub mod validations;
pub mod weight;

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use async_graphql::{parser::types::ExecutableDocument, Request, Value};
use sha2::{Digest, Sha256};

pub use documents::Documents;
pub use persisted::PersistedQueries;
pub use validations::Validations;

/// Every cache, shared by the schema (documents, persisted queries) and the HTTP layer.
#[derive(Clone)]
pub struct Caches {
    pub documents: Arc<Documents>,
    pub validations: Arc<Validations>,
    pub persisted: PersistedQueries,
    pub responses: Arc<ResponseCache>,
}

impl Caches {
    /// The caches, each within its byte budget: `response_bytes` for answers, and the limits'
    /// budgets for documents and persisted queries.
    pub fn new(response_bytes: u64, limits: &crate::config::Limits) -> Self {
        Self {
            documents: Arc::new(Documents::new(limits.document_cache_bytes)),
            validations: Arc::default(),
            persisted: PersistedQueries::new(
                limits.persisted_queries,
                limits.persisted_queries_bytes,
            ),
            responses: Arc::new(ResponseCache::new(response_bytes)),
        }
    }

    /// The key to look `request` up under: a single request's document (by the digest of its
    /// normalized text, or its persisted query's hash), operation name, variables and access.
    /// Looking up needs no parsing: only a cacheable answer was ever stored under a key, and
    /// equal keys mean the same document. `writer` keeps a writer's answers apart.
    pub fn lookup_key(&self, request: &Request, writer: bool) -> Option<Key> {
        let identity = if request.query.is_empty() {
            hash_identity(persisted_hash(request)?)
        } else {
            self.documents.get(&request.query).map_or_else(
                || documents::identity(&request.query),
                |known| known.identity,
            )
        };
        Some(Key::new(identity, request, writer))
    }

    /// The key to keep the answer to `request` under, when it may be kept: its operation is a
    /// query (not a mutation or subscription, not asking for `rateLimit`) of a document parsed
    /// by now (by its text) or persisted (by its hash).
    pub fn store_key(&self, request: &Request, writer: bool) -> Option<Key> {
        let operation_name = request.operation_name.as_deref();
        let identity = if request.query.is_empty() {
            let hash = persisted_hash(request)?;
            let document = self.persisted.peek(hash)?;
            if !documents::cacheable(&document, operation_name) {
                return None;
            }
            hash_identity(hash)
        } else {
            let known = self.documents.get(&request.query)?;
            if !documents::cacheable(&known.document, operation_name) {
                return None;
            }
            known.identity
        };
        Some(Key::new(identity, request, writer))
    }
}

impl crate::observe::CacheCounters for Caches {
    fn stats(&self) -> crate::observe::CacheStats {
        crate::observe::CacheStats {
            response_hits: self.responses.hits(),
            response_misses: self.responses.misses(),
            response_evictions: self.responses.evictions(),
            response_bytes: self.responses.bytes(),
            persisted_hits: self.persisted.hits(),
            persisted_misses: self.persisted.misses(),
            persisted_bytes: self.persisted.bytes(),
            document_bytes: self.documents.bytes(),
        }
    }
}

impl Caches {
    /// The name of the operation `request` runs, read from its document as parsed or persisted
    /// (`None` for an anonymous one, or a document not known).
    pub fn operation_name(&self, request: &Request) -> Option<Arc<str>> {
        let operation_name = request.operation_name.as_deref();
        let name = |document: &ExecutableDocument| {
            crate::operation::name(document, operation_name).map(Arc::from)
        };
        if let Some(name) = operation_name {
            return Some(name.into());
        }
        if request.query.is_empty() {
            name(&*self.persisted.peek(persisted_hash(request)?)?)
        } else {
            name(&self.documents.get(&request.query)?.document)
        }
    }
}

/// The identity of a persisted query: its hash (the SHA-256 of its text), digested again so
/// that it cannot be chosen to equal a normalized text's digest.
fn hash_identity(hash: &str) -> [u8; 32] {
    let mut digest = Sha256::new();
    digest.update(b"persisted:");
    digest.update(hash.as_bytes());
    digest.finalize().into()
}

impl Key {
    /// The digest of the parts, each framed so that no two different sets of parts read alike:
    /// the operation name with its length, the variables as canonical JSON.
    fn new(identity: [u8; 32], request: &Request, writer: bool) -> Self {
        let mut digest = Sha256::new();
        digest.update(identity);
        digest.update([u8::from(writer)]);
        match request.operation_name.as_deref() {
            Some(name) => {
                digest.update([1]);
                digest.update((name.len() as u64).to_le_bytes());
                digest.update(name.as_bytes());
            }
            None => digest.update([0]),
        }
        let mut variables = String::new();
        canonical_object(request.variables.iter(), &mut variables);
        digest.update(variables.as_bytes());
        Self(digest.finalize().into())
    }
}

/// `extensions.persistedQuery.sha256Hash` of a request.
pub fn persisted_hash(request: &Request) -> Option<&str> {
    match request.extensions.get("persistedQuery")? {
        Value::Object(persisted) => match persisted.get("sha256Hash")? {
            Value::String(hash) => Some(hash),
            _ => None,
        },
        _ => None,
    }
}

/// `value` as JSON with the keys of every object sorted, so that the same variables always give
/// the same text, and different ones a different text (names are escaped like strings).
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(object) => canonical_object(object.iter(), out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => push_json(other, out),
    }
}

/// An object's entries as canonical JSON: sorted by name, each name a JSON string.
fn canonical_object<'v>(
    entries: impl Iterator<Item = (&'v async_graphql::Name, &'v Value)>,
    out: &mut String,
) {
    let mut entries: Vec<_> = entries.collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    out.push('{');
    for (i, (name, value)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json(name.as_str(), out);
        out.push(':');
        canonical(value, out);
    }
    out.push('}');
}

/// `value` as JSON text. Serialising a string, number, boolean or null to a string cannot fail;
/// were it to, the `\u{0}` marker (never in JSON text) keeps the key apart from any real one.
fn push_json<T: serde::Serialize + ?Sized>(value: &T, out: &mut String) {
    match serde_json::to_string(value) {
        Ok(json) => out.push_str(&json),
        Err(_) => out.push('\u{0}'),
    }
}

/// Names one cacheable request: a SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

/// A cached answer: the response body as sent, the generation it reflects, and the operation's
/// node count (a hit is charged to the rate limit like the execution it replaces).
#[derive(Clone)]
pub struct Entry {
    pub generation: u64,
    pub body: actix_web::web::Bytes,
    pub node_count: u64,
    /// The name of the operation answered, for `citynet_graphql_operations_total` on a hit.
    pub operation_name: Option<Arc<str>>,
}

/// What a cached entry weighs: everything it keeps (its body and its operation's name, each an
/// allocation of its own), its key, and the cache's bookkeeping.
#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Entry> for Weight {
    fn weight(&self, _key: &Key, entry: &Entry) -> u64 {
        /// The key, the entry and the table's slot for them, and two allocations' headers.
        const OVERHEAD: u64 = 160;
        let name = entry
            .operation_name
            .as_ref()
            .map_or(0, |name| name.len() + 16);
        entry.body.len() as u64 + name as u64 + OVERHEAD
    }
}

/// Counts evictions (for `/metrics`). quick_cache reports the value an insert replaces through
/// the same hook, so each insert passes its own key as the request state, and a value of that
/// key (a replacement) is not counted.
#[derive(Clone, Default)]
struct CountEvictions(Arc<AtomicU64>);

impl quick_cache::Lifecycle<Key, Entry> for CountEvictions {
    type RequestState = Option<Key>;

    fn on_evict(&self, inserting: &mut Option<Key>, key: Key, _entry: Entry) {
        if *inserting != Some(key) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

type Entries =
    quick_cache::sync::Cache<Key, Entry, Weight, quick_cache::DefaultHashBuilder, CountEvictions>;

/// Complete answers to queries, bounded in bytes; see the module documentation.
pub struct ResponseCache {
    /// `None` when `RESPONSE_CACHE_BYTES` is 0.
    entries: Option<Entries>,
    evictions: CountEvictions,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// What an entry is expected to weigh, for sizing the cache's tables.
const TYPICAL_ENTRY_BYTES: u64 = 4_096;

impl ResponseCache {
    pub fn new(bytes: u64) -> Self {
        let evictions = CountEvictions::default();
        let entries = (bytes > 0).then(|| {
            let items = (bytes / TYPICAL_ENTRY_BYTES).clamp(16, 1 << 20);
            Entries::with(
                usize::try_from(items).unwrap_or(16),
                bytes,
                Weight,
                quick_cache::DefaultHashBuilder::default(),
                evictions.clone(),
            )
        });
        Self {
            entries,
            evictions,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// False when `RESPONSE_CACHE_BYTES` is 0.
    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    /// The answer stored under `key` for `generation`, counted as a hit; otherwise a miss.
    pub fn get(&self, key: &Key, generation: u64) -> Option<Entry> {
        let found = self
            .entries
            .as_ref()?
            .get(key)
            .filter(|entry| entry.generation == generation);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `entry` under `key`, unless an entry of a later generation is there already (a
    /// slow execution finishing after a faster, newer one).
    pub fn put(&self, key: Key, entry: Entry) {
        let Some(entries) = &self.entries else {
            return;
        };
        if entries
            .peek(&key)
            .is_some_and(|cached| cached.generation > entry.generation)
        {
            return;
        }
        entries.insert_with_lifecycle(key, entry, &mut Some(key));
    }

    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    pub fn evictions(&self) -> u64 {
        self.evictions.0.load(Ordering::Relaxed)
    }

    /// The weight of what is cached now, in bytes (bodies plus bookkeeping).
    pub fn bytes(&self) -> u64 {
        self.entries.as_ref().map_or(0, Entries::weight)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(generation: u64, bytes: usize) -> Entry {
        Entry {
            generation,
            body: vec![b'x'; bytes].into(),
            node_count: 1,
            operation_name: None,
        }
    }

    #[test]
    fn serves_only_the_generation_it_was_stored_under() {
        let cache = ResponseCache::new(1 << 20);
        let key = Key([1; 32]);
        cache.put(key, entry(3, 10));
        assert!(cache.get(&key, 3).is_some());
        assert!(cache.get(&key, 4).is_none(), "a newer generation misses");
        cache.put(key, entry(2, 10));
        assert!(
            cache.get(&key, 3).is_some(),
            "an older answer does not replace"
        );
        assert_eq!((cache.hits(), cache.misses()), (2, 1));
    }

    #[test]
    fn never_holds_more_than_its_bytes() {
        let cache = ResponseCache::new(50_000);
        for i in 0..1_000u32 {
            let mut key = [0; 32];
            key[..4].copy_from_slice(&i.to_le_bytes());
            cache.put(Key(key), entry(1, 1_000));
            assert!(cache.bytes() <= 50_000, "{} bytes", cache.bytes());
        }
        assert!(cache.evictions() > 0);
        assert!(!ResponseCache::new(0).enabled());
    }

    #[test]
    fn variables_are_canonical() {
        let request = |variables: serde_json::Value| {
            Request::new("{ cities { totalCount } }")
                .variables(async_graphql::Variables::from_json(variables))
        };
        let caches = Caches::new(1 << 20, &crate::config::Limits::default());
        let text = "{ cities { totalCount } }";
        caches
            .documents
            .remember(text, async_graphql::parser::parse_query(text).unwrap());
        let a = caches.store_key(&request(serde_json::json!({"f": {"a": 1, "b": 2}})), false);
        let b = caches.store_key(&request(serde_json::json!({"f": {"b": 2, "a": 1}})), false);
        let c = caches.store_key(&request(serde_json::json!({"f": {"b": 2, "a": 2}})), false);
        assert!(a.is_some());
        assert!(a == b, "key order does not matter");
        assert!(a != c);
        assert!(a != caches.store_key(&request(serde_json::json!({"f": {"a": 1, "b": 2}})), true));
        assert!(
            a == caches.lookup_key(&request(serde_json::json!({"f": {"b": 2, "a": 1}})), false)
        );
    }

    /// Two different sets of variables never share a key, however their names are built
    /// (quotes, colons, commas, braces: what could imitate the key's own framing).
    #[test]
    fn different_variables_never_share_a_key() {
        use proptest::prelude::*;
        let caches = Caches::new(1 << 20, &crate::config::Limits::default());
        let text = "{ cities { totalCount } }";
        caches
            .documents
            .remember(text, async_graphql::parser::parse_query(text).unwrap());
        let name = "[a-z\\\\\":,{}\\[\\] ]{0,6}";
        let value = prop_oneof![
            any::<i32>().prop_map(serde_json::Value::from),
            name.prop_map(serde_json::Value::from),
            Just(serde_json::Value::Null),
        ];
        let variables = prop::collection::btree_map(name, value, 0..4);
        let key = |variables: &std::collections::BTreeMap<String, serde_json::Value>| {
            let json = serde_json::to_value(variables).unwrap();
            let request = Request::new(text).variables(async_graphql::Variables::from_json(json));
            caches.store_key(&request, false).unwrap()
        };
        proptest!(ProptestConfig::with_cases(2_000), |(a in variables.clone(), b in variables)| {
            prop_assert_eq!(a == b, key(&a) == key(&b), "{:?} {:?}", a, b);
        });
    }

    #[test]
    fn a_name_that_reads_like_two_variables_is_its_own_key() {
        let caches = Caches::new(1 << 20, &crate::config::Limits::default());
        let text = "{ cities { totalCount } }";
        caches
            .documents
            .remember(text, async_graphql::parser::parse_query(text).unwrap());
        let key = |json: serde_json::Value| {
            let request = Request::new(text).variables(async_graphql::Variables::from_json(json));
            caches.store_key(&request, false)
        };
        let victim = key(serde_json::json!({"first": 2, "after": "abc"}));
        let forged = key(serde_json::json!({"after:\"abc\",first": 2}));
        assert!(victim.is_some() && victim != forged);
    }
}
