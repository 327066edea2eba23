//! Lists paged in SQL, per parent, in one statement per batch.
//!
//! A nested list such as "the members of each of these 50 networks, 10 after cursor C" becomes
//! one query: the parents are a `VALUES` list, and for each parent a correlated subquery (a
//! `LATERAL` join on PostgreSQL) takes the parent's filtered edge rows in the list's order with
//! `LIMIT size + 1` (an index range scan however many children the parent has; the extra row
//! says whether there is a next page); the target rows are joined in. `totalCount` is one
//! grouped `COUNT(*)` for all parents.
//!
//! Cursors are keyset cursors: the sort value and the edge row's id. A page costs an index range
//! scan whatever the list's length, and stays valid when rows are added elsewhere. NULL sort
//! values come last in both directions; ties are broken by ascending id.
//!
//! - `columns`: which columns of the listed table a page reads (all, or the planned selection's).
//! - `cursor`: the sort, a row's position, the window and the fetched rows (plain data).
//! - `relation`: the catalogue of nested lists and their edge tables.
//! - `nested`: the loaders of nested pages and counts; `root`: pages of whole tables.
//! - `sql`: the statement pieces both backends share; `sqlite` and `postgres`: the nested page
//!   statement in each backend's shape.

mod columns;
mod cursor;
mod nested;
mod postgres;
mod relation;
mod root;
mod sql;
mod sqlite;

use sea_orm::sea_query::Condition;

use super::filter::{self, FilterSpec};

pub use columns::{Columns, Partial};
pub use cursor::{Position, Row, Rows, Sort, SortType, SortValue, Window, F64};
pub use nested::{CountKey, PageKey};
pub use relation::{EdgeSpec, EventList, MembershipList, NetworkList, PlaceList, Relation};
pub use root::{root_count, root_page, RootCountKey, RootPageKey};

/// The alias of the listed table in every list query; [`ListSpec`] conditions refer to it.
pub const T: &str = "t";

/// What to list and in what order: the schema layer builds it from a list's filter and
/// ordering inputs. It is `Hash + Eq` so that identical lists share a batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ListSpec<Term> {
    /// Which rows to list; `None` lists everything.
    pub filter: Option<FilterSpec<Term>>,
    /// The sort column; `None` keeps the order in which rows were recorded (by id).
    pub sort: Option<Sort>,
}

impl<Term> Default for ListSpec<Term> {
    /// Every row, in the order in which rows were recorded.
    fn default() -> Self {
        Self {
            filter: None,
            sort: None,
        }
    }
}

impl<Term: filter::Term> ListSpec<Term> {
    /// The filter as a condition over the listed rows (table alias [`T`]).
    fn condition(&self) -> Option<Condition> {
        self.filter.as_ref().map(FilterSpec::condition)
    }

    /// The sort column, if the list is sorted by one.
    pub fn sort(&self) -> Option<Sort> {
        self.sort
    }
}
