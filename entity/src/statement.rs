//! How precisely a record states what its source says (issue 18): the evidence of a membership
//! or an event, the qualifier of a reported count, the other names of a place or a network.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Whether a sentence of the source states the record, or the page only lists it.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A sentence of the source states it; the quote is that sentence, verbatim.
    #[sea_orm(string_value = "stated")]
    Stated,
    /// The page presents it (a heading, a list) without a sentence stating it.
    #[sea_orm(string_value = "listed")]
    Listed,
}

/// How a source qualifies a count: "22 cities", "about 100", "more than 1,500", "almost 142".
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "Text")]
#[serde(rename_all = "snake_case")]
pub enum CountQualifier {
    #[sea_orm(string_value = "exact")]
    Exact,
    #[sea_orm(string_value = "about")]
    About,
    #[sea_orm(string_value = "more_than")]
    MoreThan,
    #[sea_orm(string_value = "almost")]
    Almost,
}

/// Other names of a place or a network ("Gdańsk", "Union der Ostseestädte"), kept as a JSON
/// array in one column.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, FromJsonQueryResult)]
pub struct AlternateNames(pub Vec<String>);
