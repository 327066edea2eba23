//! The subscription root: committed changes, live, over `graphql-ws` on `/graphql`.
//!
//! Each subscription may be narrowed to one network or one place. A change arrives only after
//! the write that made it has committed; it carries the record as committed (null for a
//! delete) and the ids it concerns. A subscriber that falls more than 1 024 commits behind
//! receives a `SUBSCRIPTION_LAGGED` error and the subscription ends: re-read, then subscribe
//! again. A WebSocket connection holds at most 100 subscriptions (`TOO_MANY_SUBSCRIPTIONS`).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

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
use crate::changes::{self, Change, Changes, Commit};

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
        select(ctx, move |change| match change {
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
        })
    }

    /// Events created, updated (including their participants) or deleted; only those of
    /// `networkId`, and/or hosted by or naming `cityId` as a participant, when given (before or
    /// after the change: a subscriber hears that its place was removed, or its event moved).
    async fn event_changed(
        &self,
        ctx: &Context<'_>,
        network_id: Option<ID>,
        city_id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<EventChange>>> {
        let network = optional_row("networkId", network_id, NodeType::Network)?;
        let place = optional_row("cityId", city_id, NodeType::City)?;
        select(ctx, move |change| match change {
            Change::Event {
                action,
                event,
                place_ids,
                network_ids,
            } if any_of(network, network_ids) && any_of(place, place_ids) => Some(EventChange {
                action: (*action).into(),
                event_id: ids::encode(NodeType::Event, event.id),
                network_id: ids::encode(NodeType::Network, event.network_id),
                event: alive(*action).then(|| Event(event.clone())),
            }),
            _ => None,
        })
    }

    /// Places created, updated or deleted; only `id` when given.
    async fn city_changed(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<CityChange>>> {
        let wanted = optional_row("id", id, NodeType::City)?;
        select(ctx, move |change| match change {
            Change::Place { action, place } if matches(wanted, place.id) => Some(CityChange {
                action: (*action).into(),
                city_id: ids::encode(NodeType::City, place.id),
                city: alive(*action).then(|| City(place.clone())),
            }),
            _ => None,
        })
    }

    /// Networks created, updated or deleted; only `id` when given.
    async fn network_changed(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<NetworkChange>>> {
        let wanted = optional_row("id", id, NodeType::Network)?;
        select(ctx, move |change| match change {
            Change::Network { action, network } if matches(wanted, network.id) => {
                Some(NetworkChange {
                    action: (*action).into(),
                    network_id: ids::encode(NodeType::Network, network.id),
                    network: alive(*action).then(|| Network(network.clone())),
                })
            }
            _ => None,
        })
    }
}

/// How many subscriptions one WebSocket connection may hold at once.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 100;

/// The subscriptions a WebSocket connection holds, counted across them; the HTTP layer attaches
/// one to every connection.
#[derive(Clone, Default)]
pub struct SubscriptionSlots(Arc<AtomicUsize>);

/// One taken slot, given back when its subscription's stream is dropped.
struct Slot(Option<SubscriptionSlots>);

impl Slot {
    fn take(ctx: &Context<'_>) -> Result<Self> {
        let Some(slots) = ctx.data_opt::<SubscriptionSlots>() else {
            return Ok(Self(None));
        };
        let taken = slots.0.fetch_add(1, Ordering::AcqRel);
        let slot = Self(Some(slots.clone()));
        if taken >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            return Err(async_graphql::Error::new(format!(
                "A connection may hold at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions; \
                 complete one first."
            ))
            .extend_with(|_, ext| ext.set("code", "TOO_MANY_SUBSCRIPTIONS")));
        }
        Ok(slot)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slots) = &self.0 {
            slots.0.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// The stream of every change from now on that `pick` turns into an item. After a lag, one
/// `SUBSCRIPTION_LAGGED` error and the end of the stream.
fn select<T: Send + 'static>(
    ctx: &Context<'_>,
    pick: impl Fn(&Change) -> Option<T> + Send + 'static,
) -> Result<impl Stream<Item = Result<T>>> {
    let slot = Slot::take(ctx)?;
    let receiver = ctx.data::<Changes>()?.subscribe();
    let commits = stream::unfold(Some((receiver, slot)), next_commit);
    Ok(commits.flat_map(move |commit| {
        let items: Vec<Result<T>> = match commit {
            Ok(commit) => commit.iter().filter_map(&pick).map(Ok).collect(),
            Err(error) => vec![Err(error)],
        };
        stream::iter(items)
    }))
}

type Listener = (broadcast::Receiver<Commit>, Slot);

async fn next_commit(listener: Option<Listener>) -> Option<(Result<Commit>, Option<Listener>)> {
    let (mut receiver, slot) = listener?;
    match receiver.recv().await {
        Ok(commit) => Some((Ok(commit), Some((receiver, slot)))),
        Err(RecvError::Lagged(missed)) => {
            let error = async_graphql::Error::new(format!(
                "This subscription fell {missed} commits behind and was ended; re-read the data \
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

fn any_of(wanted: Option<i32>, actual: &[i32]) -> bool {
    wanted.is_none_or(|wanted| actual.contains(&wanted))
}

/// Whether the record still exists after the change (then the change carries it).
fn alive(action: changes::Action) -> bool {
    action != changes::Action::Deleted
}
