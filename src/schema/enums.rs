//! The GraphQL enums that mirror the data's own (`entity`): kinds, roles, evidence and count
//! qualifiers, in one place, each converted to and from its `entity` twin by async-graphql
//! (`#[graphql(remote = …)]`) instead of hand-written matches. The types and the filters both
//! use them, and neither imports the other for them.

use async_graphql::Enum;

/// What kind of place a `City` is: a member of a network is usually a city, sometimes a region
/// (Masovian Voivodeship).
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::place::PlaceKind")]
pub enum PlaceKind {
    /// A city, town or municipality.
    City,
    /// A region, province or other area larger than a city.
    Region,
}

/// What kind of event an `Event` is.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::event::EventKind")]
pub enum EventKind {
    /// A conference, general assembly or other meeting of the network.
    Conference,
    /// The founding of the network.
    Founding,
    /// The launch of the network, or of an initiative or programme of it.
    Launch,
    /// The signing of a charter, plan or agreement of the network.
    Signing,
}

/// The part a member plays in a network.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[graphql(remote = "entity::membership::MembershipRole")]
pub enum MembershipRole {
    /// A member, without one of the roles below.
    Member,
    /// Joined when the network was founded (Berlin in C40).
    FoundingMember,
    /// Co-founded the network (Rostock in UBC).
    CoFounder,
    /// The network was founded on its initiative (Dunkirk for Memory Cities).
    Initiator,
}

/// Whether a sentence of the source states a record, or the page only lists it.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::statement::EvidenceKind")]
pub enum EvidenceKind {
    /// A sentence of the source states it; `quote` is that sentence, verbatim.
    Stated,
    /// The page presents it among others (a heading, a list) without a sentence stating it;
    /// `quote` is the heading, where there is one.
    Listed,
}

/// How a source qualifies a count.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::statement::CountQualifier")]
pub enum CountQualifier {
    /// The count as stated ("includes 22 cities").
    Exact,
    /// "About 100".
    About,
    /// "More than 1,500".
    MoreThan,
    /// "Almost 142".
    Almost,
}
