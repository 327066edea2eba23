//! Which columns of the listed table a page reads. The resolvers read whole rows
//! ([`Columns::ALL`], `SELECT t.*`, decoded by name); the planned path knows its selection and
//! reads only the columns it selects (`SELECT t.id, t.name, …`, decoded by position).
//!
//! Measured on `cities(first: 50) { nodes { id name countryCode } }`: sqlx copies every column
//! of every row (`sqlite3_value_dup`, then a free) and SeaORM finds each by name, so reading the
//! ten columns of a place when three are selected was two fifths of the request's instructions.
//!
//! A partly read model keeps its `Default` (empty text, zero, `None`, the first variant) in the
//! fields that were not read. Nothing reads them: the columns come from the same selection
//! that the plan then answers, and `tests/api/planned.rs` compares every selected field with
//! the resolvers' answer.

use entity::{event, membership, network, place};
use sea_orm::{
    sea_query::{Alias, SelectStatement},
    ColumnTrait, DbErr, FromQueryResult, Iterable,
};

use crate::loaders::cells::Cells;

/// A set of columns of one table, by their position in the entity's `Column` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// Every column: the whole row, as the resolvers read it.
    pub const ALL: Self = Self(u64::MAX);

    /// `columns` (the first column of the enum, the primary key, is always read). A column's
    /// bit is its variant's position in the enum, found by variant rather than by name.
    pub fn of<C: ColumnTrait + Iterable>(columns: impl IntoIterator<Item = C>) -> Self {
        let variant = std::mem::discriminant::<C>;
        let position = |column: C| C::iter().position(|c| variant(&c) == variant(&column));
        let bits = columns
            .into_iter()
            .filter_map(position)
            .fold(1, |bits, at| bits | 1 << at);
        Self(bits)
    }

    /// Whether these are every column.
    pub fn is_all(self) -> bool {
        self == Self::ALL
    }

    /// The columns of `C` in the set, in the enum's order.
    fn selected<C: ColumnTrait + Iterable>(self) -> impl Iterator<Item = C> {
        C::iter()
            .enumerate()
            .filter(move |(at, _)| self.0 & (1 << at) != 0)
            .map(|(_, column)| column)
    }

    /// Adds the columns to `query`'s select list, from the table aliased `table`: `table.*`,
    /// or the selected columns, in order (where [`Partial::read`] expects them).
    pub(super) fn select<C: ColumnTrait + Iterable>(
        self,
        query: &mut SelectStatement,
        table: &str,
    ) {
        let table = Alias::new(table);
        if self.is_all() {
            query.column((table, sea_orm::sea_query::Asterisk));
        } else {
            for column in self.selected::<C>() {
                query.column((table.clone(), column));
            }
        }
    }
}

/// A model read from the columns [`Columns::select`] put in a row (after the page's own
/// `__parent`, `__key` and `__sort`), from either driver's rows.
pub trait Partial: FromQueryResult + Send + 'static {
    /// Its table's columns: a page selects them, and `read` decodes them, in this order.
    type Column: ColumnTrait + Iterable;

    /// The model with only `columns` read, from the row's columns at `first` onwards (the rest
    /// keep placeholders).
    fn read<R: Cells>(row: &R, columns: Columns, first: usize) -> Result<Self, DbErr>;

    /// The whole row by name, or the selected columns by position from `first`.
    fn from_row<R: Cells>(row: &R, columns: Columns, first: usize) -> Result<Self, DbErr> {
        if columns.is_all() {
            row.by_name()
        } else {
            Self::read(row, columns, first)
        }
    }
}

/// `Partial` for the model and columns of an entity module: each column read into its field.
/// The `match` stays exhaustive, so a column added to an entity must be mapped here.
macro_rules! read_by_position {
    ($entity:ident { $($column:ident => $field:ident),+ $(,)? }) => {
        impl Partial for $entity::Model {
            type Column = $entity::Column;

            fn read<R: Cells>(row: &R, columns: Columns, first: usize) -> Result<Self, DbErr> {
                let mut model = Self::default();
                let selected = columns.selected::<$entity::Column>();
                for (at, column) in (first..).zip(selected) {
                    match column {
                        $($entity::Column::$column => model.$field = row.cell(at)?,)+
                    }
                }
                Ok(model)
            }
        }
    };
}

read_by_position!(place {
    Id => id,
    Slug => slug,
    Name => name,
    NameFolded => name_folded,
    Kind => kind,
    CountryCode => country_code,
    Latitude => latitude,
    Longitude => longitude,
    SourceId => source_id,
    AlternateNames => alternate_names,
});

read_by_position!(network {
    Id => id,
    Slug => slug,
    Name => name,
    NameFolded => name_folded,
    Acronym => acronym,
    Description => description,
    FoundedYear => founded_year,
    FoundedInId => founded_in_id,
    ReportedMemberCount => reported_member_count,
    ReportedMemberCountQualifier => reported_member_count_qualifier,
    AlternateNames => alternate_names,
    SourceId => source_id,
});

read_by_position!(membership {
    Id => id,
    PlaceId => place_id,
    NetworkId => network_id,
    Role => role,
    Since => since,
    RepresentedBy => represented_by,
    SourceId => source_id,
    EvidenceKind => evidence_kind,
    EvidenceQuote => evidence_quote,
});

read_by_position!(event {
    Id => id,
    Kind => kind,
    Title => title,
    Year => year,
    Topic => topic,
    NetworkId => network_id,
    HostId => host_id,
    ReportedParticipantCount => reported_participant_count,
    SourceId => source_id,
    EvidenceKind => evidence_kind,
    EvidenceQuote => evidence_quote,
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_holds_the_primary_key_and_the_named_columns_in_the_enums_order() {
        let columns = Columns::of([place::Column::Latitude, place::Column::Name]);
        let names: Vec<&str> = columns
            .selected::<place::Column>()
            .map(|column| sea_orm::IdenStatic::as_str(&column))
            .collect();
        assert_eq!(names, ["id", "name", "latitude"]);
        assert!(!columns.is_all());
        assert_eq!(
            Columns::ALL.selected::<network::Column>().count(),
            network::Column::iter().count()
        );
    }
}
