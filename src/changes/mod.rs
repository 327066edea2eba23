//! Committed writes, broadcast to whoever subscribed. A mutation collects the changes it makes
//! and publishes them only after its transaction commits, so a subscriber never hears of a write
//! that was rolled back. Writes made through other instances on the same database arrive through
//! the [`feed`].

pub mod feed;

use std::sync::Arc;

use entity::{event, membership, network, place};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

/// What happened to a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    Created,
    Updated,
    Deleted,
}

/// One committed change, with the record as it was committed (as it was before, for a delete).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Change {
    Place {
        action: Action,
        place: place::Model,
    },
    Network {
        action: Action,
        network: network::Model,
    },
    Membership {
        action: Action,
        membership: membership::Model,
    },
    Event {
        action: Action,
        event: event::Model,
        /// The host and the named participants, before and after the change, so that
        /// subscribers can filter by place (and hear that a place was removed).
        place_ids: Vec<i32>,
        /// The network, before and after the change (an event can move to another network).
        network_ids: Vec<i32>,
    },
    /// Another instance committed more changes in one transaction than a subscriber may be
    /// handed ([`BACKLOG`]); the feed carries this marker instead of them, and every
    /// subscription that hears it ends as lagged.
    Overflow,
}

/// How many commits a slow subscriber may fall behind, and how many changes one commit may hand
/// one subscription, before the subscription ends with an error (it should then re-read and
/// subscribe again).
pub const BACKLOG: usize = 1024;

/// What one transaction changed, announced as one message (shared by every subscriber, not
/// copied).
pub type Commit = Arc<[Change]>;

/// The broadcast channel between mutations and subscriptions; cheap to clone.
#[derive(Clone)]
pub struct Changes(broadcast::Sender<Commit>);

impl Default for Changes {
    fn default() -> Self {
        Self(broadcast::channel(BACKLOG).0)
    }
}

impl Changes {
    /// Announces the changes of one committed transaction; without subscribers they go
    /// nowhere.
    pub fn publish(&self, changes: Vec<Change>) {
        self.publish_shared(changes.into());
    }

    /// Announces a commit that is already shared (one that the feed read from another instance).
    pub fn publish_shared(&self, commit: Commit) {
        if commit.is_empty() {
            return;
        }
        // An error only means that nobody is listening.
        let _ = self.0.send(commit);
    }

    /// A receiver of every commit published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Commit> {
        self.0.subscribe()
    }
}
