//! Which columns of the listed table a page reads. The resolvers read whole rows
//! ([`Columns::ALL`], `SELECT t.*`, decoded by name); the planned path knows its selection and
//! reads only the columns it selects (`SELECT t.id, t.name, …`, decoded by position).
//!
//! Measured on `cities(first: 50) { nodes { id name countryCode } }`: sqlx copies every column
//! of every row (`sqlite3_value_dup`, then a free) and SeaORM finds each by name, so reading the
//! ten columns of a place when three are selected was two fifths of the request's instructions.
//!
//! A partly read model keeps a placeholder (empty text, zero, `None`, the first variant) in the
//! fields that were not read. Nothing reads them: the columns come from the same selection
//! that the plan then answers, and `tests/api/planned.rs` compares every selected field with
//! the resolvers' answer.

use entity::{event, membership, network, place};
use sea_orm::{
    sea_query::{Alias, SelectStatement},
    ColumnTrait, DbErr, FromQueryResult, Iterable, QueryResult,
};

/// A set of columns of one table, by their position in the entity's `Column` enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    /// Every column: the whole row, as the resolvers read it.
    pub const ALL: Self = Self(u64::MAX);

    /// `columns` (the first column of the enum, the primary key, is always read).
    pub fn of<C: ColumnTrait + Iterable>(columns: impl IntoIterator<Item = C>) -> Self {
        let position = |column: C| C::iter().position(|c| c.as_str() == column.as_str());
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
    /// or the selected columns first, in order (where [`Partial::read`] expects them).
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

/// A model read from the columns [`Columns::select`] put first in a row.
pub trait Partial: FromQueryResult {
    type Column: ColumnTrait + Iterable;

    /// The model with only `columns` read (the rest keep placeholders).
    fn read(row: &QueryResult, columns: Columns) -> Result<Self, DbErr>;

    /// The whole row by name, or the selected columns by position.
    fn from_row(row: &QueryResult, columns: Columns) -> Result<Self, DbErr> {
        if columns.is_all() {
            Self::from_query_result(row, "")
        } else {
            Self::read(row, columns)
        }
    }
}

impl Partial for place::Model {
    type Column = place::Column;

    fn read(row: &QueryResult, columns: Columns) -> Result<Self, DbErr> {
        use place::Column as C;
        let mut model = Self {
            id: 0,
            slug: String::new(),
            name: String::new(),
            name_folded: String::new(),
            kind: place::PlaceKind::City,
            country_code: None,
            latitude: None,
            longitude: None,
            source_id: None,
            alternate_names: Default::default(),
        };
        for (at, column) in columns.selected::<C>().enumerate() {
            match column {
                C::Id => model.id = row.try_get_by_index(at)?,
                C::Slug => model.slug = row.try_get_by_index(at)?,
                C::Name => model.name = row.try_get_by_index(at)?,
                C::NameFolded => model.name_folded = row.try_get_by_index(at)?,
                C::Kind => model.kind = row.try_get_by_index(at)?,
                C::CountryCode => model.country_code = row.try_get_by_index(at)?,
                C::Latitude => model.latitude = row.try_get_by_index(at)?,
                C::Longitude => model.longitude = row.try_get_by_index(at)?,
                C::SourceId => model.source_id = row.try_get_by_index(at)?,
                C::AlternateNames => model.alternate_names = row.try_get_by_index(at)?,
            }
        }
        Ok(model)
    }
}

impl Partial for network::Model {
    type Column = network::Column;

    fn read(row: &QueryResult, columns: Columns) -> Result<Self, DbErr> {
        use network::Column as C;
        let mut model = Self {
            id: 0,
            slug: String::new(),
            name: String::new(),
            name_folded: String::new(),
            acronym: None,
            description: None,
            founded_year: None,
            founded_in_id: None,
            reported_member_count: None,
            reported_member_count_qualifier: None,
            alternate_names: Default::default(),
            source_id: None,
        };
        for (at, column) in columns.selected::<C>().enumerate() {
            match column {
                C::Id => model.id = row.try_get_by_index(at)?,
                C::Slug => model.slug = row.try_get_by_index(at)?,
                C::Name => model.name = row.try_get_by_index(at)?,
                C::NameFolded => model.name_folded = row.try_get_by_index(at)?,
                C::Acronym => model.acronym = row.try_get_by_index(at)?,
                C::Description => model.description = row.try_get_by_index(at)?,
                C::FoundedYear => model.founded_year = row.try_get_by_index(at)?,
                C::FoundedInId => model.founded_in_id = row.try_get_by_index(at)?,
                C::ReportedMemberCount => model.reported_member_count = row.try_get_by_index(at)?,
                C::ReportedMemberCountQualifier => {
                    model.reported_member_count_qualifier = row.try_get_by_index(at)?
                }
                C::AlternateNames => model.alternate_names = row.try_get_by_index(at)?,
                C::SourceId => model.source_id = row.try_get_by_index(at)?,
            }
        }
        Ok(model)
    }
}

impl Partial for membership::Model {
    type Column = membership::Column;

    fn read(row: &QueryResult, columns: Columns) -> Result<Self, DbErr> {
        use membership::Column as C;
        let mut model = Self {
            id: 0,
            place_id: 0,
            network_id: 0,
            role: membership::MembershipRole::Member,
            since: None,
            represented_by: None,
            source_id: None,
            evidence_kind: None,
            evidence_quote: None,
        };
        for (at, column) in columns.selected::<C>().enumerate() {
            match column {
                C::Id => model.id = row.try_get_by_index(at)?,
                C::PlaceId => model.place_id = row.try_get_by_index(at)?,
                C::NetworkId => model.network_id = row.try_get_by_index(at)?,
                C::Role => model.role = row.try_get_by_index(at)?,
                C::Since => model.since = row.try_get_by_index(at)?,
                C::RepresentedBy => model.represented_by = row.try_get_by_index(at)?,
                C::SourceId => model.source_id = row.try_get_by_index(at)?,
                C::EvidenceKind => model.evidence_kind = row.try_get_by_index(at)?,
                C::EvidenceQuote => model.evidence_quote = row.try_get_by_index(at)?,
            }
        }
        Ok(model)
    }
}

impl Partial for event::Model {
    type Column = event::Column;

    fn read(row: &QueryResult, columns: Columns) -> Result<Self, DbErr> {
        use event::Column as C;
        let mut model = Self {
            id: 0,
            kind: event::EventKind::Conference,
            title: String::new(),
            year: None,
            topic: None,
            network_id: 0,
            host_id: None,
            reported_participant_count: None,
            source_id: None,
            evidence_kind: None,
            evidence_quote: None,
        };
        for (at, column) in columns.selected::<C>().enumerate() {
            match column {
                C::Id => model.id = row.try_get_by_index(at)?,
                C::Kind => model.kind = row.try_get_by_index(at)?,
                C::Title => model.title = row.try_get_by_index(at)?,
                C::Year => model.year = row.try_get_by_index(at)?,
                C::Topic => model.topic = row.try_get_by_index(at)?,
                C::NetworkId => model.network_id = row.try_get_by_index(at)?,
                C::HostId => model.host_id = row.try_get_by_index(at)?,
                C::ReportedParticipantCount => {
                    model.reported_participant_count = row.try_get_by_index(at)?
                }
                C::SourceId => model.source_id = row.try_get_by_index(at)?,
                C::EvidenceKind => model.evidence_kind = row.try_get_by_index(at)?,
                C::EvidenceQuote => model.evidence_quote = row.try_get_by_index(at)?,
            }
        }
        Ok(model)
    }
}
