//! Filter and ordering inputs of every list: their checks (nesting, list sizes, text lengths,
//! the size of the whole) and their translation into a [`ListSpec`], plain data that the
//! loaders turn into SQL (`loaders::filter`). Filters compose with `and`, `or` and `not`.

use async_graphql::{Enum, InputObject};
use entity::{event, membership, network, place};
use sea_orm::IdenStatic;

use super::enums::{EventKind, MembershipRole, PlaceKind};
use crate::{
    error::{AppError, AppResult},
    loaders::{
        filter::{EventTerm, FilterSpec, MembershipTerm, NetworkTerm, PlaceTerm, Term},
        page::{ListSpec, Sort, SortType},
    },
};

/// How deep `and`/`or`/`not` may nest, how many items a list in a filter may hold, and how long
/// a text in a filter may be.
const MAX_FILTER_DEPTH: usize = 5;
const MAX_FILTER_LIST: usize = 100;
const MAX_FILTER_TEXT: usize = 200;
/// What one filter may hold in all, however it is composed (a variable may be used many times
/// inside it): filter objects, and values in their lists. Every value becomes a bound SQL
/// parameter, and SQLite takes at most 32 766 per statement.
const MAX_FILTER_TERMS: usize = 200;
const MAX_FILTER_VALUES: usize = 1_000;

/// The direction of an ordering. Records without a value in the ordered field come last in
/// either direction.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum OrderDirection {
    /// Ascending: the smallest number, earliest year or first text first.
    #[default]
    Asc,
    /// Descending: the largest number, latest year or last text first.
    Desc,
}

/// Checks a list's filter input (nesting depth, list sizes, text lengths, the size of the
/// whole) and turns it, with the ordering input, into the spec the loaders take.
pub fn list_spec<F: Filter, O: Ordering>(
    filter: Option<F>,
    order: Option<O>,
) -> AppResult<ListSpec<F::Term>> {
    if let Some(filter) = &filter {
        filter.validate(0, &mut FilterSize::default())?;
    }
    Ok(ListSpec {
        filter: filter.as_ref().map(Filter::spec),
        sort: order.as_ref().map(Ordering::sort),
    })
}

/// A filter input.
pub trait Filter: Clone + std::fmt::Debug + Eq + std::hash::Hash + Send + Sync + 'static {
    /// The terms of the table this filter lists.
    type Term: Term;
    /// The filter as data for the loaders; called only once it is validated.
    fn spec(&self) -> FilterSpec<Self::Term>;
    /// Rejects filters nested deeper than allowed, with oversized lists or texts, or larger in
    /// all than allowed; `size` accumulates over the whole filter.
    fn validate(&self, depth: usize, size: &mut FilterSize) -> AppResult<()>;
}

/// The size of a filter so far, as its validation walks it.
#[derive(Default)]
pub struct FilterSize {
    terms: usize,
    values: usize,
}

impl FilterSize {
    /// Counts one filter object with its own lists and texts; fails as soon as anything is over
    /// its limit, so that a huge filter is not walked to its end.
    fn add(&mut self, lists: &[usize], texts: &[Option<&String>]) -> AppResult<()> {
        if let Some(text) = texts
            .iter()
            .flatten()
            .find(|text| text.chars().count() > MAX_FILTER_TEXT)
        {
            return Err(AppError::BadUserInput(format!(
                "A text in a filter may have at most {MAX_FILTER_TEXT} characters; one has {}.",
                text.chars().count()
            )));
        }
        if lists.iter().any(|&length| length > MAX_FILTER_LIST) {
            return Err(AppError::BadUserInput(format!(
                "A list in a filter may hold at most {MAX_FILTER_LIST} items."
            )));
        }
        self.terms += 1;
        self.values += lists.iter().sum::<usize>() + texts.iter().flatten().count();
        if self.terms > MAX_FILTER_TERMS || self.values > MAX_FILTER_VALUES {
            return Err(AppError::BadUserInput(format!(
                "A filter may hold at most {MAX_FILTER_TERMS} filter objects and \
                 {MAX_FILTER_VALUES} values in all (variables counted at every use)."
            )));
        }
        Ok(())
    }
}

/// An ordering input.
pub trait Ordering: Clone + std::fmt::Debug + Eq + std::hash::Hash + Send + Sync + 'static {
    fn sort(&self) -> Sort;
}

/// Implements `Filter` for an input with `and`/`or`/`not`, given its own terms, lists and texts.
macro_rules! composable_filter {
    ($filter:ident, $term:ident, $own:ident, $lists:ident, $texts:ident) => {
        impl Filter for $filter {
            type Term = $term;

            fn spec(&self) -> FilterSpec<$term> {
                FilterSpec {
                    terms: $own(self),
                    all: self.and.iter().flatten().map(Filter::spec).collect(),
                    any: self
                        .or
                        .as_ref()
                        .map(|any| any.iter().map(Filter::spec).collect()),
                    not: self.not.as_ref().map(|not| Box::new(not.spec())),
                }
            }

            fn validate(&self, depth: usize, size: &mut FilterSize) -> AppResult<()> {
                if depth >= MAX_FILTER_DEPTH {
                    return Err(AppError::BadUserInput(format!(
                        "Filters may nest `and`/`or`/`not` at most {MAX_FILTER_DEPTH} deep."
                    )));
                }
                let mut lists = $lists(self);
                lists.push(self.and.as_ref().map_or(0, Vec::len));
                lists.push(self.or.as_ref().map_or(0, Vec::len));
                size.add(&lists, &$texts(self))?;
                let nested = self.and.iter().flatten().chain(self.or.iter().flatten());
                for filter in nested.chain(self.not.as_deref()) {
                    filter.validate(depth + 1, size)?;
                }
                Ok(())
            }
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Places

/// Which places to list: all the conditions given must hold. Filters compose with `and`, `or` and
/// `not`, nested at most 5 filters deep (the outer one counting as the first); a filter holds at
/// most 200 filters and 1 000 values in all (list items and texts, a variable counted at each use),
/// a list at most 100 items and a text at most 200 characters (`BAD_USER_INPUT` otherwise).
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct CityFilter {
    /// The name contains this text, ignoring case and diacritics ("dusseldorf" finds Düsseldorf).
    pub name_contains: Option<String>,
    /// The ISO 3166-1 alpha-2 country code is one of these (in any case, e.g. `DE` or `de`).
    pub country_codes: Option<Vec<String>>,
    /// The place is of this kind.
    pub kind: Option<PlaceKind>,
    /// Belongs to the network with this slug.
    pub member_of: Option<String>,
    /// Belongs to at least this many networks.
    pub min_networks: Option<i32>,
    /// Belongs to at most this many networks.
    pub max_networks: Option<i32>,
    /// Every one of these filters matches as well.
    pub and: Option<Vec<CityFilter>>,
    /// At least one of these filters matches as well.
    pub or: Option<Vec<CityFilter>>,
    /// This filter does not match.
    pub not: Option<Box<CityFilter>>,
}

fn city_terms(f: &CityFilter) -> Vec<PlaceTerm> {
    let mut terms = Vec::new();
    if let Some(text) = &f.name_contains {
        terms.push(PlaceTerm::NameContains(text.clone()));
    }
    if let Some(codes) = &f.country_codes {
        let codes = codes.iter().map(|c| c.trim().to_ascii_uppercase());
        terms.push(PlaceTerm::CountryCodeIn(codes.collect()));
    }
    if let Some(kind) = f.kind {
        terms.push(PlaceTerm::KindIs(kind.into()));
    }
    if let Some(slug) = &f.member_of {
        terms.push(PlaceTerm::MemberOf(slug.clone()));
    }
    if let Some(min) = f.min_networks {
        terms.push(PlaceTerm::MinNetworks(min));
    }
    if let Some(max) = f.max_networks {
        terms.push(PlaceTerm::MaxNetworks(max));
    }
    terms
}

fn city_lists(f: &CityFilter) -> Vec<usize> {
    vec![f.country_codes.as_ref().map_or(0, Vec::len)]
}

fn city_texts(f: &CityFilter) -> Vec<Option<&String>> {
    vec![f.name_contains.as_ref(), f.member_of.as_ref()]
}

composable_filter!(CityFilter, PlaceTerm, city_terms, city_lists, city_texts);

/// What to order places by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CityOrderField {
    /// By name, alphabetically, ignoring case and diacritics.
    Name,
    /// By slug, alphabetically.
    Slug,
    /// By country code, alphabetically.
    CountryCode,
    /// By kind: `CITY` before `REGION` in ascending order.
    Kind,
    /// By latitude, south to north in ascending order.
    Latitude,
    /// By longitude, west to east in ascending order.
    Longitude,
}

/// How to order places: by `field` in `direction`, places without a value in that field last,
/// ties in the order in which they were recorded.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CityOrder {
    /// The field to order by.
    pub field: CityOrderField,
    /// The direction to order in; ascending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Ordering for CityOrder {
    fn sort(&self) -> Sort {
        use place::Column as C;
        let (column, kind) = match self.field {
            CityOrderField::Name => (C::NameFolded.as_str(), SortType::Text),
            CityOrderField::Slug => (C::Slug.as_str(), SortType::Text),
            CityOrderField::CountryCode => (C::CountryCode.as_str(), SortType::Text),
            CityOrderField::Kind => (C::Kind.as_str(), SortType::Text),
            CityOrderField::Latitude => (C::Latitude.as_str(), SortType::Float),
            CityOrderField::Longitude => (C::Longitude.as_str(), SortType::Float),
        };
        sort(column, kind, self.direction)
    }
}

fn sort(column: &'static str, kind: SortType, direction: OrderDirection) -> Sort {
    Sort {
        column,
        kind,
        descending: direction == OrderDirection::Desc,
    }
}

// ---------------------------------------------------------------------------------------------
// Networks

/// Which networks to list: all the conditions given must hold. Filters compose with `and`, `or` and
/// `not`, nested at most 5 filters deep (the outer one counting as the first); a filter holds at
/// most 200 filters and 1 000 values in all (list items and texts, a variable counted at each use),
/// a list at most 100 items and a text at most 200 characters (`BAD_USER_INPUT` otherwise).
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct NetworkFilter {
    /// The name or acronym contains this text, ignoring case and diacritics.
    pub name_contains: Option<String>,
    /// Works on at least one of these topics (in any case).
    pub topics: Option<Vec<String>>,
    /// Founded in or after this year (networks without a founding year are left out).
    pub founded_from: Option<i32>,
    /// Founded in or before this year (networks without a founding year are left out).
    pub founded_to: Option<i32>,
    /// Has the place with this slug as a member.
    pub has_member: Option<String>,
    /// The reported member count is at least this (networks without one are left out).
    pub reported_member_count_min: Option<i32>,
    /// The reported member count is at most this (networks without one are left out).
    pub reported_member_count_max: Option<i32>,
    /// Every one of these filters matches as well.
    pub and: Option<Vec<NetworkFilter>>,
    /// At least one of these filters matches as well.
    pub or: Option<Vec<NetworkFilter>>,
    /// This filter does not match.
    pub not: Option<Box<NetworkFilter>>,
}

fn network_terms(f: &NetworkFilter) -> Vec<NetworkTerm> {
    let mut terms = Vec::new();
    if let Some(text) = &f.name_contains {
        terms.push(NetworkTerm::NameContains(text.clone()));
    }
    if let Some(topics) = &f.topics {
        let topics = topics.iter().map(|topic| topic.trim().to_lowercase());
        terms.push(NetworkTerm::TopicIn(topics.collect()));
    }
    if let Some(year) = f.founded_from {
        terms.push(NetworkTerm::FoundedFrom(year));
    }
    if let Some(year) = f.founded_to {
        terms.push(NetworkTerm::FoundedTo(year));
    }
    if let Some(slug) = &f.has_member {
        terms.push(NetworkTerm::HasMember(slug.clone()));
    }
    if let Some(count) = f.reported_member_count_min {
        terms.push(NetworkTerm::ReportedMemberCountMin(count));
    }
    if let Some(count) = f.reported_member_count_max {
        terms.push(NetworkTerm::ReportedMemberCountMax(count));
    }
    terms
}

fn network_lists(f: &NetworkFilter) -> Vec<usize> {
    vec![f.topics.as_ref().map_or(0, Vec::len)]
}

fn network_texts(f: &NetworkFilter) -> Vec<Option<&String>> {
    vec![f.name_contains.as_ref(), f.has_member.as_ref()]
}

composable_filter!(
    NetworkFilter,
    NetworkTerm,
    network_terms,
    network_lists,
    network_texts
);

/// What to order networks by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkOrderField {
    /// By name, alphabetically, ignoring case and diacritics.
    Name,
    /// By slug, alphabetically.
    Slug,
    /// By acronym, alphabetically.
    Acronym,
    /// By founding year.
    FoundedYear,
    /// By reported member count.
    ReportedMemberCount,
}

/// How to order networks: by `field` in `direction`, networks without a value in that field last,
/// ties in the order in which they were recorded.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NetworkOrder {
    /// The field to order by.
    pub field: NetworkOrderField,
    /// The direction to order in; ascending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Ordering for NetworkOrder {
    fn sort(&self) -> Sort {
        use network::Column as C;
        let (column, kind) = match self.field {
            NetworkOrderField::Name => (C::NameFolded.as_str(), SortType::Text),
            NetworkOrderField::Slug => (C::Slug.as_str(), SortType::Text),
            NetworkOrderField::Acronym => (C::Acronym.as_str(), SortType::Text),
            NetworkOrderField::FoundedYear => (C::FoundedYear.as_str(), SortType::Int),
            NetworkOrderField::ReportedMemberCount => {
                (C::ReportedMemberCount.as_str(), SortType::Int)
            }
        };
        sort(column, kind, self.direction)
    }
}

// ---------------------------------------------------------------------------------------------
// Events

/// Which events to list: all the conditions given must hold. Filters compose with `and`, `or` and
/// `not`, nested at most 5 filters deep (the outer one counting as the first); a filter holds at
/// most 200 filters and 1 000 values in all (list items and texts, a variable counted at each use),
/// a list at most 100 items and a text at most 200 characters (`BAD_USER_INPUT` otherwise).
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventFilter {
    /// The kind is one of these.
    pub kinds: Option<Vec<EventKind>>,
    /// In or after this year (events without a year are left out).
    pub year_from: Option<i32>,
    /// In or before this year (events without a year are left out).
    pub year_to: Option<i32>,
    /// Held by the network with this slug.
    pub network: Option<String>,
    /// Hosted by the place with this slug.
    pub host: Option<String>,
    /// The place with this slug is named as taking part.
    pub participant: Option<String>,
    /// Every one of these filters matches as well.
    pub and: Option<Vec<EventFilter>>,
    /// At least one of these filters matches as well.
    pub or: Option<Vec<EventFilter>>,
    /// This filter does not match.
    pub not: Option<Box<EventFilter>>,
}

fn event_terms(f: &EventFilter) -> Vec<EventTerm> {
    let mut terms = Vec::new();
    if let Some(kinds) = &f.kinds {
        terms.push(EventTerm::KindIn(kinds.iter().map(|&k| k.into()).collect()));
    }
    if let Some(year) = f.year_from {
        terms.push(EventTerm::YearFrom(year));
    }
    if let Some(year) = f.year_to {
        terms.push(EventTerm::YearTo(year));
    }
    if let Some(slug) = &f.network {
        terms.push(EventTerm::Network(slug.clone()));
    }
    if let Some(slug) = &f.host {
        terms.push(EventTerm::Host(slug.clone()));
    }
    if let Some(slug) = &f.participant {
        terms.push(EventTerm::Participant(slug.clone()));
    }
    terms
}

fn event_lists(f: &EventFilter) -> Vec<usize> {
    vec![f.kinds.as_ref().map_or(0, Vec::len)]
}

fn event_texts(f: &EventFilter) -> Vec<Option<&String>> {
    vec![f.network.as_ref(), f.host.as_ref(), f.participant.as_ref()]
}

composable_filter!(
    EventFilter,
    EventTerm,
    event_terms,
    event_lists,
    event_texts
);

/// What to order events by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventOrderField {
    /// By title, alphabetically.
    Title,
    /// By year.
    Year,
    /// By kind: `CONFERENCE`, `FOUNDING`, `LAUNCH`, `SIGNING` in ascending order.
    Kind,
    /// By topic, alphabetically.
    Topic,
    /// By reported participant count.
    ReportedParticipantCount,
}

/// How to order events: by `field` in `direction`, events without a value in that field last,
/// ties in the order in which they were recorded.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventOrder {
    /// The field to order by.
    pub field: EventOrderField,
    /// The direction to order in; ascending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Ordering for EventOrder {
    fn sort(&self) -> Sort {
        use event::Column as C;
        let (column, kind) = match self.field {
            EventOrderField::Title => (C::Title.as_str(), SortType::Text),
            EventOrderField::Year => (C::Year.as_str(), SortType::Int),
            EventOrderField::Kind => (C::Kind.as_str(), SortType::Text),
            EventOrderField::Topic => (C::Topic.as_str(), SortType::Text),
            EventOrderField::ReportedParticipantCount => {
                (C::ReportedParticipantCount.as_str(), SortType::Int)
            }
        };
        sort(column, kind, self.direction)
    }
}

// ---------------------------------------------------------------------------------------------
// Memberships

/// Which memberships to list: all the conditions given must hold. Filters compose with `and`, `or`
/// and `not`, nested at most 5 filters deep (the outer one counting as the first); a filter holds
/// at most 200 filters and 1 000 values in all (list items and texts, a variable counted at each
/// use), a list at most 100 items and a text at most 200 characters (`BAD_USER_INPUT` otherwise).
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MembershipFilter {
    /// The role is one of these.
    pub roles: Option<Vec<MembershipRole>>,
    /// Began in or after this year (memberships without a start year are left out).
    pub since_from: Option<i32>,
    /// Began in or before this year (memberships without a start year are left out).
    pub since_to: Option<i32>,
    /// In the network with this slug.
    pub network: Option<String>,
    /// Of the place with this slug.
    pub place: Option<String>,
    /// The member's ISO 3166-1 alpha-2 country code is one of these (in any case, e.g. `DE`).
    pub country_codes: Option<Vec<String>>,
    /// Every one of these filters matches as well.
    pub and: Option<Vec<MembershipFilter>>,
    /// At least one of these filters matches as well.
    pub or: Option<Vec<MembershipFilter>>,
    /// This filter does not match.
    pub not: Option<Box<MembershipFilter>>,
}

fn membership_terms(f: &MembershipFilter) -> Vec<MembershipTerm> {
    let mut terms = Vec::new();
    if let Some(roles) = &f.roles {
        terms.push(MembershipTerm::RoleIn(
            roles.iter().map(|&r| r.into()).collect(),
        ));
    }
    if let Some(year) = f.since_from {
        terms.push(MembershipTerm::SinceFrom(year));
    }
    if let Some(year) = f.since_to {
        terms.push(MembershipTerm::SinceTo(year));
    }
    if let Some(slug) = &f.network {
        terms.push(MembershipTerm::Network(slug.clone()));
    }
    if let Some(slug) = &f.place {
        terms.push(MembershipTerm::Place(slug.clone()));
    }
    if let Some(codes) = &f.country_codes {
        let codes = codes.iter().map(|c| c.trim().to_ascii_uppercase());
        terms.push(MembershipTerm::CountryCodeIn(codes.collect()));
    }
    terms
}

fn membership_lists(f: &MembershipFilter) -> Vec<usize> {
    vec![
        f.roles.as_ref().map_or(0, Vec::len),
        f.country_codes.as_ref().map_or(0, Vec::len),
    ]
}

fn membership_texts(f: &MembershipFilter) -> Vec<Option<&String>> {
    vec![f.network.as_ref(), f.place.as_ref()]
}

composable_filter!(
    MembershipFilter,
    MembershipTerm,
    membership_terms,
    membership_lists,
    membership_texts
);

/// What to order memberships by.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MembershipOrderField {
    /// By the year the membership began.
    Since,
    /// By role: `CO_FOUNDER`, `FOUNDING_MEMBER`, `INITIATOR`, `MEMBER` in ascending order.
    Role,
    /// By representative, alphabetically.
    RepresentedBy,
}

/// How to order memberships: by `field` in `direction`, memberships without a value in that field last,
/// ties in the order in which they were recorded.
#[derive(InputObject, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MembershipOrder {
    /// The field to order by.
    pub field: MembershipOrderField,
    /// The direction to order in; ascending when left out.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl Ordering for MembershipOrder {
    fn sort(&self) -> Sort {
        use membership::Column as C;
        let (column, kind) = match self.field {
            MembershipOrderField::Since => (C::Since.as_str(), SortType::Int),
            MembershipOrderField::Role => (C::Role.as_str(), SortType::Text),
            MembershipOrderField::RepresentedBy => (C::RepresentedBy.as_str(), SortType::Text),
        };
        sort(column, kind, self.direction)
    }
}

pub type CitySpec = ListSpec<PlaceTerm>;
pub type NetworkSpec = ListSpec<NetworkTerm>;
pub type EventSpec = ListSpec<EventTerm>;
pub type MembershipSpec = ListSpec<MembershipTerm>;
