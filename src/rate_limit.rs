//! Rate limits in points per window, per client, like GitHub's GraphQL API: an operation costs
//! its query cost (the complexity that `MAX_QUERY_COMPLEXITY` bounds) divided by 100, at least
//! 1 (an operation that asks only for `rateLimit` costs nothing), charged once validation has
//! computed it and before anything runs. A client is a valid bearer token, else its address.
//!
//! Each instance keeps its own budgets (fixed windows, in memory); behind a load balancer a
//! client's budget is `RATE_LIMIT_POINTS` per instance.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime},
};

/// Who is charged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    /// A valid API token, by its SHA-256 digest.
    Token([u8; 32]),
    Address(IpAddr),
}

/// What an operation was charged and what is left, as `rateLimit` and the `RateLimit-*`
/// headers report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    pub limit: u64,
    pub cost: u64,
    pub remaining: u64,
    /// The operation's node count (its query cost before normalisation).
    pub node_count: u64,
    /// When the window ends and the budget is full again.
    pub reset_at: SystemTime,
}

impl Charge {
    /// Seconds until the budget is full again (at least 1 while the window runs).
    pub fn reset_in_seconds(&self) -> u64 {
        self.reset_at
            .duration_since(SystemTime::now())
            .map_or(0, |left| {
                left.as_secs() + u64::from(left.subsec_nanos() > 0)
            })
    }
}

/// The points an operation of `node_count` costs.
pub fn cost_of(node_count: u64) -> u64 {
    if node_count == 0 {
        0
    } else {
        node_count.div_ceil(100).max(1)
    }
}

/// How many clients' windows are kept before expired ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

pub struct RateLimiter {
    points: u64,
    window: Duration,
    windows: Mutex<HashMap<Client, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    started_at: SystemTime,
    used: u64,
}

impl RateLimiter {
    /// `None` when `points` is 0 (rate limiting off).
    pub fn new(points: u64, window: Duration) -> Option<Arc<Self>> {
        (points > 0).then(|| {
            Arc::new(Self {
                points,
                window,
                windows: Mutex::default(),
            })
        })
    }

    /// Charges `client` for an operation of `node_count` nodes, or refuses it (charging
    /// nothing) when its budget cannot pay. Either way says what is left.
    pub fn charge(&self, client: &Client, node_count: u64) -> Result<Charge, Charge> {
        let cost = cost_of(node_count);
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if windows.len() > PRUNE_ABOVE {
            windows.retain(|_, window| now.duration_since(window.started) < self.window);
        }
        let window = windows.entry(client.clone()).or_insert_with(|| Window {
            started: now,
            started_at: SystemTime::now(),
            used: 0,
        });
        if now.duration_since(window.started) >= self.window {
            *window = Window {
                started: now,
                started_at: SystemTime::now(),
                used: 0,
            };
        }
        let affordable = window.used.saturating_add(cost) <= self.points;
        if affordable {
            window.used += cost;
        }
        let charge = Charge {
            limit: self.points,
            cost,
            remaining: self.points - window.used,
            node_count,
            reset_at: window.started_at + self.window,
        };
        if affordable {
            Ok(charge)
        } else {
            Err(charge)
        }
    }
}

/// Where the charge of the running operation is left for `rateLimit` and the response headers;
/// one per request.
#[derive(Clone, Default)]
pub struct ChargeSlot(Arc<Mutex<Option<Charge>>>);

impl ChargeSlot {
    pub fn set(&self, charge: Charge) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(charge);
    }

    pub fn get(&self) -> Option<Charge> {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_like_github() {
        assert_eq!(cost_of(0), 0);
        assert_eq!(cost_of(1), 1);
        assert_eq!(cost_of(100), 1);
        assert_eq!(cost_of(101), 2);
        assert_eq!(cost_of(500_000), 5_000);
    }

    #[test]
    fn a_budget_is_spent_refused_and_renewed() {
        let limiter = RateLimiter::new(3, Duration::from_millis(50)).unwrap();
        let client = Client::Address(IpAddr::from([127, 0, 0, 1]));
        assert_eq!(limiter.charge(&client, 150).unwrap().remaining, 1);
        let refused = limiter.charge(&client, 150).unwrap_err();
        assert_eq!((refused.cost, refused.remaining), (2, 1), "nothing charged");
        assert_eq!(limiter.charge(&client, 0).unwrap().remaining, 1, "free");
        let other = Client::Address(IpAddr::from([127, 0, 0, 2]));
        assert_eq!(limiter.charge(&other, 300).unwrap().remaining, 0);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(limiter.charge(&client, 150).unwrap().remaining, 1);
        assert!(RateLimiter::new(0, Duration::from_secs(1)).is_none());
    }
}
