//! The subscription root: committed changes, live, on `/graphql` over WebSocket, Server-Sent
//! Events or multipart HTTP.
//!
//! Each subscription may be narrowed to one network or one place. A change arrives only after
//! the write that made it has committed; it carries the record as committed (null for a
//! delete) and the ids it concerns. A subscriber that falls more than 1 024 commits behind, or
//! is handed more than 1 024 changes by one commit, receives a `SUBSCRIPTION_LAGGED` error and
//! the subscription ends: re-read, then subscribe again. A WebSocket connection holds at most
//! 100 subscriptions, a client address and the server as many as their settings allow
//! (`TOO_MANY_SUBSCRIPTIONS`).

use crate::error::ErrorCode;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
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
    /// The record was created.
    Created,
    /// The record was changed (for an event, also when its participants changed).
    Updated,
    /// The record was deleted; the change carries its ids but not the record.
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

/// A membership that was created, updated or deleted (`membershipChanged`).
#[derive(SimpleObject)]
pub struct MembershipChange {
    /// What happened to the membership.
    action: ChangeAction,
    /// The membership's global id.
    membership_id: ID,
    /// The global id of the member place.
    city_id: ID,
    /// The global id of the network.
    network_id: ID,
    /// The membership as committed; null when it was deleted.
    membership: Option<Membership>,
}

/// An event that was created, updated or deleted (`eventChanged`).
#[derive(SimpleObject)]
pub struct EventChange {
    /// What happened to the event.
    action: ChangeAction,
    /// The event's global id.
    event_id: ID,
    /// The global id of the event's network.
    network_id: ID,
    /// The event as committed; null when it was deleted.
    event: Option<Event>,
}

/// A place that was created, updated or deleted (`cityChanged`).
#[derive(SimpleObject)]
pub struct CityChange {
    /// What happened to the place.
    action: ChangeAction,
    /// The place's global id.
    city_id: ID,
    /// The place as committed; null when it was deleted.
    city: Option<City>,
}

/// A network that was created, updated or deleted (`networkChanged`).
#[derive(SimpleObject)]
pub struct NetworkChange {
    /// What happened to the network.
    action: ChangeAction,
    /// The network's global id.
    network_id: ID,
    /// The network as committed; null when it was deleted.
    network: Option<Network>,
}

#[derive(Default)]
pub struct Subscription;

/// Changes as they are committed, on `/graphql` over WebSocket (`graphql-transport-ws` or
/// `graphql-ws`), Server-Sent Events (`graphql-sse`) or multipart HTTP (Apollo's
/// `subscriptionSpec="1.0"`). A change arrives only after the write that made it has
/// committed. A subscriber that falls more than 1 024 commits behind, or is handed more than
/// 1 024 changes by one commit, receives a `SUBSCRIPTION_LAGGED` error and the subscription
/// ends: re-read, then subscribe again. A connection holds at most 100 subscriptions; a client
/// address and the server at most as many as the server's settings allow
/// (`TOO_MANY_SUBSCRIPTIONS`).
#[SubscriptionRoot]
impl Subscription {
    /// Memberships created, updated or deleted; only those of `networkId` and/or `cityId` when
    /// given.
    async fn membership_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(
            desc = "Only memberships in the network with this global id (`INVALID_ID` when \
            it is not a `Network` id)."
        )]
        network_id: Option<ID>,
        #[graphql(
            desc = "Only memberships of the place with this global id (`INVALID_ID` when it \
            is not a `City` id)."
        )]
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
        #[graphql(
            desc = "Only events of the network with this global id, before or after the \
            change (`INVALID_ID` when it is not a `Network` id)."
        )]
        network_id: Option<ID>,
        #[graphql(
            desc = "Only events hosted by or naming as a participant the place with this \
            global id, before or after the change (`INVALID_ID` when it is not a `City` id)."
        )]
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
        #[graphql(
            desc = "Only the place with this global id (`INVALID_ID` when it is not a `City` \
            id)."
        )]
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
        #[graphql(
            desc = "Only the network with this global id (`INVALID_ID` when it is not a \
            `Network` id)."
        )]
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

/// What a client that sent a subscription over a transport that cannot carry one is told: the
/// transports that can.
pub const TRANSPORTS: &str = "Subscriptions are served over WebSocket (graphql-transport-ws, \
    graphql-ws), Server-Sent Events (graphql-sse: `Accept: text/event-stream`) and multipart \
    HTTP (`Accept: multipart/mixed;subscriptionSpec=\"1.0\"`).";

/// How many subscriptions one WebSocket connection (or event stream) may hold at once.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 100;

/// The subscriptions the whole server holds, in all and per client address
/// (`MAX_SUBSCRIPTIONS`, `MAX_SUBSCRIPTIONS_PER_IP`): every write is delivered to each of them.
pub struct SubscriptionLimits {
    max_total: usize,
    max_per_client: usize,
    held: Mutex<Held>,
    /// `citynet_subscriptions_active`: the total held.
    active: prometheus::IntGauge,
}

#[derive(Default)]
struct Held {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

impl SubscriptionLimits {
    pub fn new(max_total: usize, max_per_client: usize, active: prometheus::IntGauge) -> Self {
        Self {
            max_total,
            max_per_client,
            held: Mutex::default(),
            active,
        }
    }

    /// Takes a place for one subscription of `client`, or says which limit is reached.
    fn take(&self, client: IpAddr) -> std::result::Result<(), String> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let of_client = held.per_client.get(&client).copied().unwrap_or(0);
        if held.total >= self.max_total {
            return Err(format!(
                "The server holds its limit of {} subscriptions; try again later.",
                self.max_total
            ));
        }
        if of_client >= self.max_per_client {
            return Err(format!(
                "One client address may hold at most {} subscriptions; complete one first.",
                self.max_per_client
            ));
        }
        held.total += 1;
        held.per_client.insert(client, of_client + 1);
        self.active.set(gauge_value(held.total));
        Ok(())
    }

    fn give_back(&self, client: IpAddr) {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.total = held.total.saturating_sub(1);
        self.active.set(gauge_value(held.total));
        if let Some(count) = held.per_client.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                held.per_client.remove(&client);
            }
        }
    }
}

fn gauge_value(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// The subscriptions a WebSocket connection holds, counted across them and against the server's
/// [`SubscriptionLimits`]; the HTTP layer attaches one to every connection.
#[derive(Clone)]
pub struct SubscriptionSlots {
    connection: Arc<AtomicUsize>,
    server: Arc<SubscriptionLimits>,
    client: IpAddr,
}

impl SubscriptionSlots {
    pub fn new(server: Arc<SubscriptionLimits>, client: IpAddr) -> Self {
        Self {
            connection: Arc::default(),
            server,
            client,
        }
    }
}

/// One taken slot, given back when its subscription's stream is dropped.
struct Slot(Option<SubscriptionSlots>);

impl Slot {
    fn take(ctx: &Context<'_>) -> Result<Self> {
        let Some(slots) = ctx.data_opt::<SubscriptionSlots>() else {
            return Ok(Self(None));
        };
        let too_many = |message: String| {
            async_graphql::Error::new(message)
                .extend_with(|_, ext| ext.set("code", ErrorCode::TooManySubscriptions.as_str()))
        };
        if slots.connection.fetch_add(1, Ordering::AcqRel) >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            slots.connection.fetch_sub(1, Ordering::AcqRel);
            return Err(too_many(format!(
                "A connection may hold at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions; \
                 complete one first."
            )));
        }
        if let Err(message) = slots.server.take(slots.client) {
            slots.connection.fetch_sub(1, Ordering::AcqRel);
            return Err(too_many(message));
        }
        Ok(Self(Some(slots.clone())))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(slots) = &self.0 {
            slots.connection.fetch_sub(1, Ordering::AcqRel);
            slots.server.give_back(slots.client);
        }
    }
}

/// The stream of every change from now on that `pick` turns into an item. After a lag, one
/// `SUBSCRIPTION_LAGGED` error and the end of the stream.
///
/// Lag is counted in changes, not commits: a commit that holds more changes for this
/// subscription than [`changes::BACKLOG`] (a cascading delete of a hub) ends it the same way,
/// instead of queueing tens of thousands of items for every subscriber.
fn select<T: Send + 'static>(
    ctx: &Context<'_>,
    pick: impl Fn(&Change) -> Option<T> + Send + 'static,
) -> Result<impl Stream<Item = Result<T>>> {
    let slot = Slot::take(ctx)?;
    let receiver = ctx.data::<Changes>()?.subscribe();
    let commits = stream::unfold(Some((receiver, slot)), next_commit);
    let items = commits.map(move |commit| match commit {
        Ok(commit)
            if commit
                .iter()
                .any(|change| matches!(change, Change::Overflow)) =>
        {
            Err(lagged(format!(
                "one commit changed more than the server hands its subscribers at once ({} \
                 changes, or {} messages to all subscribers)",
                changes::BACKLOG,
                changes::FANOUT_BUDGET
            )))
        }
        Ok(commit) => {
            let items: Vec<T> = commit
                .iter()
                .filter_map(&pick)
                .take(changes::BACKLOG + 1)
                .collect();
            if items.len() > changes::BACKLOG {
                Err(lagged(format!(
                    "one commit held more than {} changes for it",
                    changes::BACKLOG
                )))
            } else {
                Ok(items)
            }
        }
        Err(error) => Err(error),
    });
    // Everything up to and including the first error.
    let items = items.scan(false, |ended, batch| {
        if *ended {
            return futures_util::future::ready(None);
        }
        *ended = batch.is_err();
        futures_util::future::ready(Some(batch))
    });
    Ok(items.flat_map(|batch| match batch {
        Ok(items) => stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()),
        Err(error) => stream::iter(vec![Err(error)]),
    }))
}

type Listener = (broadcast::Receiver<Commit>, Slot);

async fn next_commit(listener: Option<Listener>) -> Option<(Result<Commit>, Option<Listener>)> {
    let (mut receiver, slot) = listener?;
    match receiver.recv().await {
        Ok(commit) => Some((Ok(commit), Some((receiver, slot)))),
        Err(RecvError::Lagged(missed)) => Some((
            Err(lagged(format!("it fell {missed} commits behind"))),
            None,
        )),
        Err(RecvError::Closed) => None,
    }
}

fn lagged(why: String) -> async_graphql::Error {
    async_graphql::Error::new(format!(
        "This subscription was ended: {why}. Re-read the data and subscribe again."
    ))
    .extend_with(|_, ext| ext.set("code", ErrorCode::SubscriptionLagged.as_str()))
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
