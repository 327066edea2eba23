//! The values a page is described by: the sort column, a row's position (what a cursor
//! carries), the window to fetch, and the fetched rows. Plain data, shared by the loaders, the
//! SQL builders and the schema's cursors.

use std::hash::Hash;

use sea_orm::Value;
use serde::{Deserialize, Serialize};

/// The column a list is sorted by before the id tie-break.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    /// A column of the listed table.
    pub column: &'static str,
    pub kind: SortType,
    pub descending: bool,
}

/// The SQL type of a sort column, to read its values back for cursors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortType {
    Int,
    Float,
    Text,
}

/// A sort value as cursors carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SortValue {
    #[default]
    Null,
    Int(i64),
    Float(F64),
    Text(String),
}

/// An `f64` that can be hashed (by its bits), for sort values of float columns.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct F64(pub f64);

impl Eq for F64 {}

impl Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state)
    }
}

impl SortValue {
    /// True when this value can be a value of a column of `kind`.
    pub fn fits(&self, kind: SortType) -> bool {
        matches!(
            (self, kind),
            (SortValue::Null, _)
                | (SortValue::Int(_), SortType::Int)
                | (SortValue::Float(_), SortType::Float)
                | (SortValue::Text(_), SortType::Text)
        )
    }

    pub(super) fn to_sql(&self) -> Option<Value> {
        match self {
            SortValue::Null => None,
            SortValue::Int(v) => Some((*v).into()),
            SortValue::Float(v) => Some(v.0.into()),
            SortValue::Text(v) => Some(v.clone().into()),
        }
    }
}

/// A row's place in its list: its sort value (when sorted) and its key (the edge row's id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Position {
    pub value: SortValue,
    pub key: i32,
}

/// Which slice of a list to fetch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Only rows after this one.
    pub after: Option<Position>,
    /// Only rows before this one.
    pub before: Option<Position>,
    /// How many rows the page shows; one more is fetched to learn whether more exist.
    pub size: u64,
    /// Take the last `size` rows of the range (`last:`) instead of the first (`first:`).
    pub backward: bool,
}

/// One fetched row with its position in the list.
#[derive(Clone, Debug)]
pub struct Row<M> {
    pub position: Position,
    pub model: M,
}

/// A page holds up to `size + 1` rows, in the direction of the window.
pub type Rows<M> = Vec<Row<M>>;
