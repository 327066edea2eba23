//! The catalogue of nested lists: for each list a resolver can page (a network's members, a
//! place's events, …), the edge table that links parent and item. Adding a list means adding a
//! variant here; the loaders and SQL builders are generic over it.

use std::{fmt::Debug, hash::Hash};

use entity::{event, event_participant, membership, network, place, twinning};
use sea_orm::{EntityTrait, IdenStatic};

/// Where a list's edges live: `table` rows whose `parent` column names the owner, and whose
/// `target` column names the listed row (the row itself when `target` is `id`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EdgeSpec {
    pub table: &'static str,
    pub parent: &'static str,
    pub target: &'static str,
}

/// A list relation whose items are rows of `Target`.
pub trait Relation: Copy + Debug + Eq + Hash + Send + Sync + 'static {
    type Target: EntityTrait<Model: Sync + super::Partial>;
    fn edge(self) -> EdgeSpec;
}

fn edge<E: EntityTrait>(entity: E, parent: E::Column, target: E::Column) -> EdgeSpec {
    EdgeSpec {
        table: entity.table_name(),
        parent: parent.as_str(),
        target: target.as_str(),
    }
}

/// Lists of places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceList {
    /// The members of a network.
    MembersOfNetwork,
    /// The places that took part in an event.
    ParticipantsOfEvent,
    /// A place's twins.
    TwinsOfPlace,
}

impl Relation for PlaceList {
    type Target = place::Entity;
    fn edge(self) -> EdgeSpec {
        use {event_participant as ep, membership as m, twinning as t};
        match self {
            Self::MembersOfNetwork => edge(m::Entity, m::Column::NetworkId, m::Column::PlaceId),
            Self::ParticipantsOfEvent => edge(ep::Entity, ep::Column::EventId, ep::Column::PlaceId),
            Self::TwinsOfPlace => edge(t::Entity, t::Column::PlaceId, t::Column::TwinId),
        }
    }
}

/// Lists of networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NetworkList {
    /// The networks a place belongs to.
    NetworksOfPlace,
}

impl Relation for NetworkList {
    type Target = network::Entity;
    fn edge(self) -> EdgeSpec {
        use membership as m;
        match self {
            Self::NetworksOfPlace => edge(m::Entity, m::Column::PlaceId, m::Column::NetworkId),
        }
    }
}

/// Lists of memberships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MembershipList {
    OfPlace,
    OfNetwork,
}

impl Relation for MembershipList {
    type Target = membership::Entity;
    fn edge(self) -> EdgeSpec {
        use membership as m;
        match self {
            Self::OfPlace => edge(m::Entity, m::Column::PlaceId, m::Column::Id),
            Self::OfNetwork => edge(m::Entity, m::Column::NetworkId, m::Column::Id),
        }
    }
}

/// Lists of events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventList {
    HostedByPlace,
    AttendedByPlace,
    OfNetwork,
}

impl Relation for EventList {
    type Target = event::Entity;
    fn edge(self) -> EdgeSpec {
        use {event as e, event_participant as ep};
        match self {
            Self::HostedByPlace => edge(e::Entity, e::Column::HostId, e::Column::Id),
            Self::AttendedByPlace => edge(ep::Entity, ep::Column::PlaceId, ep::Column::EventId),
            Self::OfNetwork => edge(e::Entity, e::Column::NetworkId, e::Column::Id),
        }
    }
}
