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
    #[serde(default, alias = "membership")]
    pub memberships: Vec<MembershipRecord>,
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "short_list"
    )]
    pub alternate_names: Option<Vec<String>>,
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "short_list"
    )]
    pub topics: Option<Vec<String>>,
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "short_list"
    )]
    pub alternate_names: Option<Vec<String>>,
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "short_list"
    )]
    pub participants: Option<Vec<String>>,
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

/// The most items a list field of a record is read with. The validators allow far fewer
/// (`domain`: 20 names or topics, 500 participants) and say so precisely; this bound only stops
/// a file from making the reader hold millions of items before they can.
pub const MAX_LIST_ITEMS: usize = 1_000;

/// A list of strings, refused as soon as it passes [`MAX_LIST_ITEMS`] while it is read. A list
/// a record leaves out is `None`: an update then keeps what is stored (a stated `[]` clears it).
fn short_list<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<String>>, D::Error> {
    struct ShortList;
    impl<'de> serde::de::Visitor<'de> for ShortList {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {MAX_LIST_ITEMS} strings")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element::<String>()? {
                if items.len() == MAX_LIST_ITEMS {
                    return Err(serde::de::Error::custom(format!(
                        "a list of more than {MAX_LIST_ITEMS} items"
                    )));
                }
                items.push(item);
            }
            Ok(items)
        }
    }
    deserializer.deserialize_seq(ShortList).map(Some)
}
