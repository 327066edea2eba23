//! The records of Citynet's data as files hold them: the seed files in `seeds/`, and what
//! `citynet export` writes and `citynet import` reads. References are by slug (places,
//! networks) or key (sources); field names are snake_case, as in the seed files.

use entity::{
    event::EventKind,
    membership::MembershipRole,
    place::PlaceKind,
    statement::{CountQualifier, EvidenceKind},
};
use serde::{Deserialize, Serialize};

/// Everything, table by table: the export's shape (plural keys). A seed file's singular key
/// (`[[place]]`) is read into the same list.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dataset {
    #[serde(default, alias = "source")]
    pub sources: Vec<SourceRecord>,
    #[serde(default, alias = "place")]
    pub places: Vec<PlaceRecord>,
    #[serde(default, alias = "network")]
    pub networks: Vec<NetworkRecord>,
    /// The bulk of a large world: read in chunks (see [`Chunked`]).
    #[serde(default, alias = "membership")]
    pub memberships: Chunked<MembershipRecord>,
    #[serde(default, alias = "event")]
    pub events: Vec<EventRecord>,
    #[serde(default, alias = "twinning")]
    pub twinnings: Vec<TwinningRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceRecord {
    pub key: String,
    pub title: String,
    pub publisher: String,
    pub document: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceRecord {
    pub slug: String,
    pub name: String,
    pub kind: PlaceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    /// Other names and spellings ("Gdańsk"), searchable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternate_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkRecord {
    pub slug: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acronym: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topics: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founded_year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub founded_in: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_member_count: Option<i32>,
    /// How the source qualifies the count ("about", "more_than", …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_member_count_qualifier: Option<CountQualifier>,
    /// Other names the sources give ("Union der Ostseestädte"), searchable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternate_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipRecord {
    pub network: String,
    pub place: String,
    /// `member` where a file states no role.
    #[serde(default)]
    pub role: MembershipRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub represented_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceRecord>,
}

/// What a record rests on: a sentence of its source (`stated`, quoted verbatim), or the page
/// listing it (`listed`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRecord {
    pub kind: EvidenceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quote: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub kind: EventKind,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub network: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reported_participant_count: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceRecord>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwinningRecord {
    pub places: [String; 2],
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A list kept in chunks of [`Chunked::CHUNK`] records: reading a large one never copies it
/// into a buffer twice its size, as a growing `Vec` would.
#[derive(Debug)]
pub struct Chunked<T>(pub Vec<Vec<T>>);

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Chunked<T> {
    pub const CHUNK: usize = 4096;

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.0.iter().flatten()
    }

    pub fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Vec::is_empty)
    }
}

impl<T> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut chunks: Vec<Vec<T>> = Vec::new();
        for item in items {
            match chunks.last_mut() {
                Some(chunk) if chunk.len() < Self::CHUNK => chunk.push(item),
                _ => {
                    let mut chunk = Vec::with_capacity(Self::CHUNK);
                    chunk.push(item);
                    chunks.push(chunk);
                }
            }
        }
        Self(chunks)
    }
}

impl<T: Serialize> Serialize for Chunked<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Chunked<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = Chunked<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of records")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut chunks = Vec::new();
                let mut chunk = Vec::with_capacity(Chunked::<T>::CHUNK);
                while let Some(item) = seq.next_element()? {
                    chunk.push(item);
                    if chunk.len() == Chunked::<T>::CHUNK {
                        chunks.push(std::mem::replace(
                            &mut chunk,
                            Vec::with_capacity(Chunked::<T>::CHUNK),
                        ));
                    }
                }
                if !chunk.is_empty() {
                    chunk.shrink_to_fit();
                    chunks.push(chunk);
                }
                Ok(Chunked(chunks))
            }
        }
        deserializer.deserialize_seq(Visitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chunked_list_reads_and_writes_as_a_plain_list() {
        let numbers: Vec<u32> = (0..9_000).collect();
        let text = serde_json::to_string(&numbers).expect("JSON");
        let chunked: Chunked<u32> = serde_json::from_str(&text).expect("a list");
        assert_eq!(chunked.len(), 9_000);
        assert_eq!(
            chunked.0.iter().map(Vec::len).collect::<Vec<_>>(),
            [4_096, 4_096, 808]
        );
        assert!(chunked.iter().copied().eq(numbers.iter().copied()));
        assert_eq!(serde_json::to_string(&chunked).expect("JSON"), text);
        let collected: Chunked<u32> = numbers.into_iter().collect();
        assert_eq!(collected.0.len(), 3);
    }
}
