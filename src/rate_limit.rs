//! Rate limits in points per window, per client, like GitHub's GraphQL API: an operation costs
//! its query cost (the complexity that `MAX_QUERY_COMPLEXITY` bounds) divided by 100, and at
//! least 1, charged once validation has computed it and before anything runs. A request refused
//! before it runs (too long, too deep, malformed, invalid) costs 1 point per started KiB of its
//! text and variables, and a client whose budget is spent is refused before its text is parsed. A client is a
//! valid bearer token, else its address.
//!
//! Each instance keeps its own budgets (fixed windows, in memory); behind a load balancer a
//! client's budget is `RATE_LIMIT_POINTS` per instance. Expired windows are dropped in the
//! order they started (all windows have the same length, so that is the order they expire),
//! a constant amount of work per charge on average however many clients there are.

use std::{
    collections::{HashMap, VecDeque},
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

/// The points an operation of `node_count` costs: at least 1.
pub fn cost_of(node_count: u64) -> u64 {
    node_count.div_ceil(100).max(1)
}

/// The points a request refused before it ran costs: 1 per started KiB of its text and variables.
pub fn refusal_cost(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(1024).max(1)
}

pub struct RateLimiter {
    points: u64,
    window: Duration,
    windows: Mutex<Windows>,
}

/// The live windows, and the order they started in.
#[derive(Default)]
struct Windows {
    by_client: HashMap<Client, Window>,
    /// Each window's client and start, oldest first; an entry whose client has since started
    /// a newer window is skipped when it comes up.
    started: VecDeque<(Instant, Client)>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    started_at: SystemTime,
    used: u64,
}

impl Windows {
    /// Drops the windows that have ended.
    fn expire(&mut self, now: Instant, length: Duration) {
        while let Some((started, _)) = self.started.front() {
            if now.duration_since(*started) < length {
                break;
            }
            let Some((started, client)) = self.started.pop_front() else {
                break;
            };
            if self
                .by_client
                .get(&client)
                .is_some_and(|window| window.started == started)
            {
                self.by_client.remove(&client);
            }
        }
    }

    /// The running window of `client`, started now if it has none.
    fn current(&mut self, client: &Client, now: Instant) -> &mut Window {
        let started = &mut self.started;
        self.by_client.entry(client.clone()).or_insert_with(|| {
            started.push_back((now, client.clone()));
            Window {
                started: now,
                started_at: SystemTime::now(),
                used: 0,
            }
        })
    }
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

    fn windows(&self) -> std::sync::MutexGuard<'_, Windows> {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.expire(Instant::now(), self.window);
        windows
    }

    fn report(&self, window: &Window, cost: u64, node_count: u64) -> Charge {
        Charge {
            limit: self.points,
            cost,
            remaining: self.points.saturating_sub(window.used),
            node_count,
            reset_at: window.started_at + self.window,
        }
    }

    /// Charges `client` for an operation of `node_count` nodes, or refuses it (charging
    /// nothing) when its budget cannot pay. Either way says what is left.
    pub fn charge(&self, client: &Client, node_count: u64) -> Result<Charge, Charge> {
        let cost = cost_of(node_count);
        let mut windows = self.windows();
        let window = windows.current(client, Instant::now());
        let affordable = window.used.saturating_add(cost) <= self.points;
        if affordable {
            window.used += cost;
        }
        let charge = self.report(window, cost, node_count);
        if affordable {
            Ok(charge)
        } else {
            Err(charge)
        }
    }

    /// Charges `client` for a request of `bytes` refused before it ran: its
    /// [`refusal_cost`], or what is left of the budget when that is less.
    pub fn charge_refusal(&self, client: &Client, bytes: usize) -> Charge {
        let cost = refusal_cost(bytes);
        let mut windows = self.windows();
        let window = windows.current(client, Instant::now());
        window.used = window.used.saturating_add(cost).min(self.points);
        self.report(window, cost, 0)
    }

    /// What is left of `client`'s budget when nothing is (`None` while it can pay), without
    /// starting a window.
    pub fn spent(&self, client: &Client) -> Option<Charge> {
        let windows = self.windows();
        let window = windows.by_client.get(client)?;
        (window.used >= self.points).then(|| self.report(window, 1, 0))
    }

    /// How many clients have a running window.
    pub fn clients(&self) -> usize {
        self.windows().by_client.len()
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
        assert_eq!(cost_of(0), 1, "every operation costs at least 1");
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
        assert_eq!(
            limiter.charge(&client, 0).unwrap().remaining,
            0,
            "never free"
        );
        let other = Client::Address(IpAddr::from([127, 0, 0, 2]));
        assert_eq!(limiter.charge(&other, 300).unwrap().remaining, 0);
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(limiter.charge(&client, 150).unwrap().remaining, 1);
        assert!(RateLimiter::new(0, Duration::from_secs(1)).is_none());
    }

    #[test]
    fn refusals_cost_their_size_and_a_spent_budget_is_known() {
        let limiter = RateLimiter::new(10, Duration::from_secs(60)).unwrap();
        let client = Client::Address(IpAddr::from([127, 0, 0, 1]));
        assert!(limiter.spent(&client).is_none());
        assert_eq!(limiter.clients(), 0, "looking starts no window");
        assert_eq!(limiter.charge_refusal(&client, 3_000).remaining, 7);
        assert_eq!(limiter.charge_refusal(&client, 20_000).remaining, 0);
        assert_eq!(
            limiter.spent(&client).map(|charge| charge.remaining),
            Some(0)
        );
    }

    #[test]
    fn ended_windows_are_dropped_as_they_end() {
        let limiter = RateLimiter::new(100, Duration::from_millis(40)).unwrap();
        for i in 0..1_000u32 {
            let client = Client::Address(IpAddr::from(i.to_be_bytes()));
            limiter.charge(&client, 1).unwrap();
        }
        assert_eq!(limiter.clients(), 1_000);
        std::thread::sleep(Duration::from_millis(50));
        let late = Client::Address(IpAddr::from([10, 0, 0, 1]));
        limiter.charge(&late, 1).unwrap();
        assert_eq!(
            limiter.clients(),
            1,
            "only the window started after the others ended"
        );
        // A window renewed for a client is not dropped by its older entry.
        let again = Client::Address(IpAddr::from([0, 0, 0, 1]));
        assert_eq!(limiter.charge(&again, 100).unwrap().remaining, 99);
        assert_eq!(limiter.charge(&again, 100).unwrap().remaining, 98);
    }
}
