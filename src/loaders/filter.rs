//! Filters as data, and their translation to SQL.
//!
//! The schema layer turns a GraphQL filter input into a [`FilterSpec`]: terms over one listed
//! table (a place's name, a network's topics, …) composed with `and`, `or` and `not`, already
//! checked and bounded in size there. This module is where a term becomes a condition over the
//! listed table (alias [`T`]), so that SQL is built only in `loaders/`.

use std::{fmt::Debug, hash::Hash};

use entity::{event, event_participant, membership, network, network_topic, place};
use sea_orm::{
    sea_query::{Alias, Condition, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement},
    ActiveEnum, EntityName, IdenStatic,
};

use super::page::T;

/// A filter: all its `terms` and all of `all` hold, at least one of `any` (when given) holds,
/// and `not` does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FilterSpec<Term> {
    pub terms: Vec<Term>,
    pub all: Vec<FilterSpec<Term>>,
    pub any: Option<Vec<FilterSpec<Term>>>,
    pub not: Option<Box<FilterSpec<Term>>>,
}

/// One condition a filter can put on the rows of one table.
pub trait Term: Clone + Debug + Eq + Hash + Send + Sync + 'static {
    /// The condition over the listed table (alias [`T`]).
    fn condition(&self) -> Condition;
}

impl<Term: self::Term> FilterSpec<Term> {
    /// The whole filter as one condition over the listed table.
    pub fn condition(&self) -> Condition {
        let own = self.terms.iter().map(Term::condition);
        let nested = self.all.iter().map(FilterSpec::condition);
        let mut all = own.chain(nested).fold(Condition::all(), Condition::add);
        if let Some(any) = &self.any {
            all = all.add(
                any.iter()
                    .map(FilterSpec::condition)
                    .fold(Condition::any(), Condition::add),
            );
        }
        if let Some(not) = &self.not {
            all = all.add(not.condition().not());
        }
        all
    }
}

/// A condition on places.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PlaceTerm {
    /// The name contains this text, ignoring case and diacritics.
    NameContains(String),
    /// The country code is one of these (given in capitals).
    CountryCodeIn(Vec<String>),
    /// The place is of this kind.
    KindIs(place::PlaceKind),
    /// Belongs to the network with this slug.
    MemberOf(String),
    /// Belongs to at least this many networks.
    MinNetworks(i32),
    /// Belongs to at most this many networks.
    MaxNetworks(i32),
}

impl Term for PlaceTerm {
    fn condition(&self) -> Condition {
        use place::Column as C;
        match self {
            Self::NameContains(text) => folded_contains(C::NameFolded, text),
            Self::CountryCodeIn(codes) => col(C::CountryCode).is_in(codes.clone()).into(),
            Self::KindIs(kind) => col(C::Kind).eq(kind.to_value()).into(),
            Self::MemberOf(slug) => col(C::Id).in_subquery(membership_ids(slug, true)).into(),
            Self::MinNetworks(min) => memberships_of_t().gte(*min).into(),
            Self::MaxNetworks(max) => memberships_of_t().lte(*max).into(),
        }
    }
}

/// A condition on networks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum NetworkTerm {
    /// The name or acronym contains this text, ignoring case and diacritics.
    NameContains(String),
    /// Works on at least one of these topics (given in lowercase).
    TopicIn(Vec<String>),
    /// Founded in or after this year.
    FoundedFrom(i32),
    /// Founded in or before this year.
    FoundedTo(i32),
    /// Has the place with this slug as a member.
    HasMember(String),
    /// The reported member count is at least this.
    ReportedMemberCountMin(i32),
    /// The reported member count is at most this.
    ReportedMemberCountMax(i32),
}

impl Term for NetworkTerm {
    fn condition(&self) -> Condition {
        use network::Column as C;
        match self {
            Self::NameContains(text) => {
                let acronym = Func::lower(col(C::Acronym))
                    .like(LikeExpr::new(contains_pattern(&entity::fold(text))).escape('\\'));
                Condition::any()
                    .add(folded_contains(C::NameFolded, text))
                    .add(acronym)
            }
            Self::TopicIn(topics) => col(C::Id).in_subquery(networks_on(topics)).into(),
            Self::FoundedFrom(year) => col(C::FoundedYear).gte(*year).into(),
            Self::FoundedTo(year) => col(C::FoundedYear).lte(*year).into(),
            Self::HasMember(slug) => col(C::Id).in_subquery(membership_ids(slug, false)).into(),
            Self::ReportedMemberCountMin(count) => col(C::ReportedMemberCount).gte(*count).into(),
            Self::ReportedMemberCountMax(count) => col(C::ReportedMemberCount).lte(*count).into(),
        }
    }
}

/// A condition on events.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EventTerm {
    /// The kind is one of these.
    KindIn(Vec<event::EventKind>),
    /// In or after this year.
    YearFrom(i32),
    /// In or before this year.
    YearTo(i32),
    /// Held by the network with this slug.
    Network(String),
    /// Hosted by the place with this slug.
    Host(String),
    /// The place with this slug is named as taking part.
    Participant(String),
}

impl Term for EventTerm {
    fn condition(&self) -> Condition {
        use event::Column as C;
        match self {
            Self::KindIn(kinds) => col(C::Kind)
                .is_in(kinds.iter().map(ActiveEnum::to_value))
                .into(),
            Self::YearFrom(year) => col(C::Year).gte(*year).into(),
            Self::YearTo(year) => col(C::Year).lte(*year).into(),
            Self::Network(slug) => col(C::NetworkId)
                .in_subquery(slug_to_id(network::Entity.table_name(), slug))
                .into(),
            Self::Host(slug) => col(C::HostId)
                .in_subquery(slug_to_id(place::Entity.table_name(), slug))
                .into(),
            Self::Participant(slug) => col(C::Id).in_subquery(events_attended_by(slug)).into(),
        }
    }
}

/// A condition on memberships.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MembershipTerm {
    /// The role is one of these.
    RoleIn(Vec<membership::MembershipRole>),
    /// Began in or after this year.
    SinceFrom(i32),
    /// Began in or before this year.
    SinceTo(i32),
    /// In the network with this slug.
    Network(String),
    /// Of the place with this slug.
    Place(String),
    /// The member's country code is one of these (given in capitals).
    CountryCodeIn(Vec<String>),
}

impl Term for MembershipTerm {
    fn condition(&self) -> Condition {
        use membership::Column as C;
        match self {
            Self::RoleIn(roles) => col(C::Role)
                .is_in(roles.iter().map(ActiveEnum::to_value))
                .into(),
            Self::SinceFrom(year) => col(C::Since).gte(*year).into(),
            Self::SinceTo(year) => col(C::Since).lte(*year).into(),
            Self::Network(slug) => col(C::NetworkId)
                .in_subquery(slug_to_id(network::Entity.table_name(), slug))
                .into(),
            Self::Place(slug) => col(C::PlaceId)
                .in_subquery(slug_to_id(place::Entity.table_name(), slug))
                .into(),
            Self::CountryCodeIn(codes) => col(C::PlaceId).in_subquery(places_in(codes)).into(),
        }
    }
}

/// A column of the listed table.
fn col(column: impl IdenStatic) -> Expr {
    Expr::col((Alias::new(T), Alias::new(column.as_str())))
}

/// `t.<folded column> LIKE '%text%'`, with the text folded like the column.
fn folded_contains(column: impl IdenStatic, text: &str) -> Condition {
    Condition::all()
        .add(col(column).like(LikeExpr::new(contains_pattern(&entity::fold(text))).escape('\\')))
}

/// The `LIKE` pattern (escape character `\`) matching any text that contains `text` as it is:
/// `%`, `_` and `\` stand for themselves.
fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The ids of the places that belong to network `slug` (or, with `place_side` false, the
/// networks that place `slug` belongs to).
fn membership_ids(slug: &str, place_side: bool) -> SelectStatement {
    let (select, join_on, other) = if place_side {
        (
            membership::Column::PlaceId,
            membership::Column::NetworkId,
            network::Entity.table_name(),
        )
    } else {
        (
            membership::Column::NetworkId,
            membership::Column::PlaceId,
            place::Entity.table_name(),
        )
    };
    let m = membership::Entity.table_name();
    Query::select()
        .column((m, select))
        .from(m)
        .inner_join(
            other,
            Expr::col((other, Alias::new("id"))).equals((m, join_on)),
        )
        .and_where(Expr::col((other, Alias::new("slug"))).eq(slug))
        .to_owned()
}

/// The number of memberships of the listed place.
fn memberships_of_t() -> Expr {
    let m = membership::Entity.table_name();
    Expr::expr(Expr::SubQuery(
        None,
        Box::new(
            Query::select()
                .expr(Expr::col((m, membership::Column::Id)).count())
                .from(m)
                .and_where(
                    Expr::col((m, membership::Column::PlaceId))
                        .equals((Alias::new(T), Alias::new("id"))),
                )
                .to_owned()
                .into(),
        ),
    ))
}

/// The ids of the networks that work on at least one of `topics`.
fn networks_on(topics: &[String]) -> SelectStatement {
    let t = network_topic::Entity.table_name();
    Query::select()
        .column((t, network_topic::Column::NetworkId))
        .from(t)
        .and_where(Expr::col((t, network_topic::Column::Topic)).is_in(topics.iter().cloned()))
        .to_owned()
}

/// The id of the row of `table` with this slug.
fn slug_to_id(table: &'static str, slug: &str) -> SelectStatement {
    Query::select()
        .column((table, Alias::new("id")))
        .from(table)
        .and_where(Expr::col((table, Alias::new("slug"))).eq(slug))
        .to_owned()
}

/// The ids of the places in one of these countries.
fn places_in(codes: &[String]) -> SelectStatement {
    let places = place::Entity.table_name();
    Query::select()
        .column((places, place::Column::Id))
        .from(places)
        .and_where(Expr::col((places, place::Column::CountryCode)).is_in(codes.iter().cloned()))
        .to_owned()
}

/// The ids of the events the place with this slug is named as taking part in.
fn events_attended_by(slug: &str) -> SelectStatement {
    let p = event_participant::Entity.table_name();
    let places = place::Entity.table_name();
    Query::select()
        .column((p, event_participant::Column::EventId))
        .from(p)
        .inner_join(
            places,
            Expr::col((places, Alias::new("id"))).equals((p, event_participant::Column::PlaceId)),
        )
        .and_where(Expr::col((places, Alias::new("slug"))).eq(slug))
        .to_owned()
}
