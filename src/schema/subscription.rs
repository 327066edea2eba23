//! The subscription root: committed changes, live, over `graphql-ws` on `/graphql`.
//!
//! Each subscription may be narrowed to one network or one place. A change arrives only after
//! the write that made it has committed; it carries the record as committed (null for a
//! delete) and the ids it concerns. A subscriber that falls more than 1 024 changes behind
//! receives a `SUBSCRIPTION_LAGGED` error and the subscription ends: re-read, then subscribe
//! again.

use std::sync::Arc;

use async_graphql::{
    Context, Enum, ErrorExtensions, Result, SimpleObject, Subscription as SubscriptionRoot, ID,
};
use futures_util::{stream, Stream, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};

use super::{
    ids::{self, NodeType},
    mutation::input::row_id,
    City, Event, Membership, Network,
};
use crate::changes::{self, Change, Changes};

/// What happened to a record.
#[derive(Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeAction {
    Created,
    Updated,
    Deleted,
}

impl From<changes::Action> for ChangeAction {
    fn from(action: changes::Action) -> Self {
        match action {
            changes::Action::Created => Self::Created,
            changes::Action::Updated => Self::Updated,
            changes::Action::Deleted => Self::Deleted,
        }
    }
}

#[derive(SimpleObject)]
pub struct MembershipChange {
    action: ChangeAction,
    membership_id: ID,
    city_id: ID,
    network_id: ID,
    /// The membership as committed; null when it was deleted.
    membership: Option<Membership>,
}

#[derive(SimpleObject)]
pub struct EventChange {
    action: ChangeAction,
    event_id: ID,
    network_id: ID,
    /// The event as committed; null when it was deleted.
    event: Option<Event>,
}

#[derive(SimpleObject)]
pub struct CityChange {
    action: ChangeAction,
    city_id: ID,
    /// The place as committed; null when it was deleted.
    city: Option<City>,
}

#[derive(SimpleObject)]
pub struct NetworkChange {
    action: ChangeAction,
    network_id: ID,
    /// The network as committed; null when it was deleted.
    network: Option<Network>,
}

#[derive(Default)]
pub struct Subscription;

#[SubscriptionRoot]
impl Subscription {
    /// Memberships created, updated or deleted; only those of `networkId` and/or `cityId` when
    /// given.
    async fn membership_changed(
        &self,
        ctx: &Context<'_>,
        network_id: Option<ID>,
        city_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<MembershipChange>>> {
        let network = optional_row("networkId", network_id, NodeType::Network)?;
        let place = optional_row("cityId", city_id, NodeType::City)?;
        Ok(changes(ctx)?.filter_map(move |change| {
            let item = change.map(|change| match &*change {
                Change::Membership { action, membership }
                    if matches(network, membership.network_id)
                        && matches(place, membership.place_id) =>
                {
                    Some(MembershipChange {
                        action: (*action).into(),
                        membership_id: ids::encode(NodeType::Membership, membership.id),
                        city_id: ids::encode(NodeType::City, membership.place_id),
                        network_id: ids::encode(NodeType::Network, membership.network_id),
                        membership: alive(*action).then(|| Membership(membership.clone())),
                    })
                }
                _ => None,
            });
            async move { item.transpose() }
        }))
    }

    /// Events created, updated (including their participants) or deleted; only those of
    /// `networkId`, and/or hosted by or naming `cityId` as a participant, when given.
    async fn event_changed(
        &self,
        ctx: &Context<'_>,
        network_id: Option<ID>,
        city_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<EventChange>>> {
        let network = optional_row("networkId", network_id, NodeType::Network)?;
        let place = optional_row("cityId", city_id, NodeType::City)?;
        Ok(changes(ctx)?.filter_map(move |change| {
            let item = change.map(|change| match &*change {
                Change::Event {
                    action,
                    event,
                    place_ids,
                } if matches(network, event.network_id)
                    && place.is_none_or(|place| place_ids.contains(&place)) =>
                {
                    Some(EventChange {
                        action: (*action).into(),
                        event_id: ids::encode(NodeType::Event, event.id),
                        network_id: ids::encode(NodeType::Network, event.network_id),
                        event: alive(*action).then(|| Event(event.clone())),
                    })
                }
                _ => None,
            });
            async move { item.transpose() }
        }))
    }

    /// Places created, updated or deleted; only `id` when given.
    async fn city_changed(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<CityChange>>> {
        let wanted = optional_row("id", id, NodeType::City)?;
        Ok(changes(ctx)?.filter_map(move |change| {
            let item = change.map(|change| match &*change {
                Change::Place { action, place } if matches(wanted, place.id) => Some(CityChange {
                    action: (*action).into(),
                    city_id: ids::encode(NodeType::City, place.id),
                    city: alive(*action).then(|| City(place.clone())),
                }),
                _ => None,
            });
            async move { item.transpose() }
        }))
    }

    /// Networks created, updated or deleted; only `id` when given.
    async fn network_changed(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<NetworkChange>>> {
        let wanted = optional_row("id", id, NodeType::Network)?;
        Ok(changes(ctx)?.filter_map(move |change| {
            let item = change.map(|change| match &*change {
                Change::Network { action, network } if matches(wanted, network.id) => {
                    Some(NetworkChange {
                        action: (*action).into(),
                        network_id: ids::encode(NodeType::Network, network.id),
                        network: alive(*action).then(|| Network(network.clone())),
                    })
                }
                _ => None,
            });
            async move { item.transpose() }
        }))
    }
}

/// Every change published from now on; after a lag, one error and the end of the stream.
fn changes(ctx: &Context<'_>) -> Result<impl Stream<Item = Result<Arc<Change>>>> {
    let receiver = ctx.data::<Changes>()?.subscribe();
    Ok(stream::unfold(Some(receiver), next_change))
}

async fn next_change(
    receiver: Option<broadcast::Receiver<Arc<Change>>>,
) -> Option<(
    Result<Arc<Change>>,
    Option<broadcast::Receiver<Arc<Change>>>,
)> {
    let mut receiver = receiver?;
    match receiver.recv().await {
        Ok(change) => Some((Ok(change), Some(receiver))),
        Err(RecvError::Lagged(missed)) => {
            let error = async_graphql::Error::new(format!(
                "This subscription fell {missed} changes behind and was ended; re-read the data \
                 and subscribe again."
            ))
            .extend_with(|_, ext| ext.set("code", "SUBSCRIPTION_LAGGED"));
            Some((Err(error), None))
        }
        Err(RecvError::Closed) => None,
    }
}

fn optional_row(argument: &str, id: Option<ID>, expected: NodeType) -> Result<Option<i32>> {
    Ok(id.map(|id| row_id(argument, &id, expected)).transpose()?)
}

fn matches(wanted: Option<i32>, actual: i32) -> bool {
    wanted.is_none_or(|wanted| wanted == actual)
}

/// Whether the record still exists after the change (then the change carries it).
fn alive(action: changes::Action) -> bool {
    action != changes::Action::Deleted
}
