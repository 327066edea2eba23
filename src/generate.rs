//! `citynet generate`: a deterministic synthetic world for benchmarks, shaped like the real one
//! — a few networks with thousands of members and most with tens (Zipf-distributed sizes),
//! places in 1 to 40 networks, events with hosts and participants, twinnings — written in one
//! transaction into an empty database.

use std::{collections::HashSet, time::Instant};

use crate::service::rows::{self, EventValues, MembershipValues, NetworkValues, PlaceValues};

use anyhow::bail;
use entity::{event, membership, network, place};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait, TransactionTrait};

/// What to generate; `citynet generate --places N --networks M --memberships K --events E
/// --seed S`.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub places: usize,
    pub networks: usize,
    pub memberships: usize,
    pub events: usize,
    pub seed: u64,
}

impl Default for Plan {
    fn default() -> Self {
        Self {
            places: 50_000,
            networks: 2_000,
            memberships: 500_000,
            events: 20_000,
            seed: 1,
        }
    }
}

/// splitmix64: a tiny, well-known generator; the same seed gives the same world everywhere (the
/// differential test of the planned path draws its documents from it too).
pub struct Random(pub u64);

impl Random {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0.0..1.0.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
    /// True with the given probability in percent.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    /// One of `items`, uniformly; `items` must not be empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Samples indexes 0..n with probability proportional to 1 / (i + 1)^s.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
        let mut total = 0.0;
        let cumulative = (0..n)
            .map(|i| {
                total += 1.0 / ((i + 1) as f64).powf(s);
                total
            })
            .collect::<Vec<_>>();
        Self(cumulative.into_iter().map(|c| c / total).collect())
    }
    fn sample(&self, random: &mut Random) -> usize {
        let u = random.unit();
        self.0.partition_point(|&c| c < u).min(self.0.len() - 1)
    }
}

const SYLLABLES: &[&str] = &[
    "ber", "lin", "ros", "tock", "dan", "zig", "kra", "kow", "wa", "rsa", "vil", "nius", "ri",
    "ga", "tal", "linn", "hel", "sin", "ki", "bor", "deaux", "du", "sel", "dorf", "ham", "burg",
    "pra", "gue", "za", "greb", "lju", "bl", "ja", "na", "o", "des", "sa", "ni", "vie", "nna",
];
const COUNTRIES: &[&str] = &[
    "DE", "PL", "FR", "AT", "CZ", "EE", "FI", "HR", "HU", "IL", "LT", "LV", "RS", "RU", "SI", "UA",
    "SE", "DK", "NO", "NL", "BE", "ES", "PT", "IT", "GR", "RO", "BG", "SK", "IE", "GB",
];
const TOPICS: &[&str] = &[
    "climate",
    "peace",
    "security",
    "culture",
    "economy",
    "health",
    "refugees",
    "heritage",
    "mobility",
    "energy",
    "water",
    "innovation",
    "integration",
    "human rights",
    "urban development",
];
const NETWORK_WORDS: &[&str] = &[
    "Network",
    "Alliance",
    "Union",
    "Coalition",
    "Association",
    "Forum",
];

fn word(random: &mut Random) -> String {
    let syllables = 2 + random.below(2);
    let mut word: String = (0..syllables).map(|_| *random.pick(SYLLABLES)).collect();
    if let Some(first) = word.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    word
}

/// What a run wrote.
#[derive(Debug, Default)]
pub struct Generated {
    pub places: usize,
    pub networks: usize,
    pub memberships: usize,
    pub events: usize,
    pub participants: usize,
    pub twinnings: usize,
}

/// Fills an empty, migrated database according to `plan`, in one transaction.
pub async fn generate(db: &DatabaseConnection, plan: &Plan) -> anyhow::Result<Generated> {
    if plan.places == 0 || plan.networks == 0 {
        bail!("a world needs at least one place and one network");
    }
    if place::Entity::find().count(db).await? + network::Entity::find().count(db).await? > 0 {
        bail!("the database already holds data: generate into an empty one");
    }
    let started = Instant::now();
    let mut random = Random(plan.seed);
    let txn = db.begin().await?;
    let mut generated = Generated::default();

    let place_ids: Vec<i32> = rows::insert_places(&txn, places(plan, &mut random))
        .await?
        .into_iter()
        .map(|place| place.id)
        .collect();
    generated.places = plan.places;

    let (networks, topics) = networks(plan, &mut random, &place_ids);
    let network_ids: Vec<i32> = rows::insert_networks(&txn, networks)
        .await?
        .into_iter()
        .map(|network| network.id)
        .collect();
    generated.networks = plan.networks;
    let topics = topics
        .into_iter()
        .map(|(index, topic)| (network_ids[index], topic.to_owned()));
    rows::insert_topics(&txn, topics).await?;

    let memberships = memberships(plan, &mut random, &place_ids, &network_ids);
    generated.memberships = memberships.len();
    rows::insert_memberships(&txn, memberships, false).await?;

    let (events, participants) = events(plan, &mut random, &place_ids, &network_ids);
    generated.events = events.len();
    let event_ids: Vec<i32> = rows::insert_events(&txn, events)
        .await?
        .into_iter()
        .map(|event| event.id)
        .collect();
    generated.participants = participants.len();
    let participants = participants
        .into_iter()
        .map(|(event_index, place_id)| (event_ids[event_index], place_id, None));
    rows::insert_participants(&txn, participants).await?;

    let twinnings = twinnings(&mut random, &place_ids);
    generated.twinnings = twinnings.len();
    rows::insert_twinnings(&txn, twinnings).await?;

    crate::service::search_index::reindex_all(&txn).await?;
    crate::changes::feed::log_bulk_write(&txn).await?;
    txn.commit().await?;
    tracing::info!(
        "Generated {} places, {} networks, {} memberships, {} events ({} participants), {} twinnings in {:.1} s",
        generated.places,
        generated.networks,
        generated.memberships,
        generated.events,
        generated.participants,
        generated.twinnings,
        started.elapsed().as_secs_f64()
    );
    Ok(generated)
}

fn places(plan: &Plan, random: &mut Random) -> Vec<(String, PlaceValues)> {
    (0..plan.places)
        .map(|i| {
            let name = format!("{} {i}", word(random));
            let region = random.below(20) == 0;
            let values = PlaceValues {
                name,
                kind: if region {
                    place::PlaceKind::Region
                } else {
                    place::PlaceKind::City
                },
                country_code: Some((*random.pick(COUNTRIES)).to_owned()),
                latitude: (!region).then(|| 35.0 + random.unit() * 30.0),
                longitude: (!region).then(|| -10.0 + random.unit() * 50.0),
                alternate_names: Vec::new(),
                source_id: None,
            };
            (format!("place-{i}"), values)
        })
        .collect()
}

/// Each topic with the index of its network, in the order the network lists them.
type Topics = Vec<(usize, &'static str)>;

fn networks(
    plan: &Plan,
    random: &mut Random,
    places: &[i32],
) -> (Vec<(String, NetworkValues)>, Topics) {
    let mut topics: Topics = Vec::new();
    let networks = (0..plan.networks)
        .map(|i| {
            let name = format!("{} {} {i}", word(random), random.pick(NETWORK_WORDS));
            for _ in 0..(1 + random.below(3)) {
                let topic = *random.pick(TOPICS);
                if !topics.iter().any(|(n, t)| *n == i && *t == topic) {
                    topics.push((i, topic));
                }
            }
            let acronym = (random.below(2) == 0).then(|| format!("N{i}"));
            let description = Some(format!(
                "A synthetic network about {} cities.",
                word(random)
            ));
            let founded_year = (random.below(10) < 7).then(|| 1900 + random.below(126) as i32);
            let founded_in_id = (random.below(10) < 3).then(|| *random.pick(places));
            let reported_member_count = (random.below(2) == 0).then(|| random.below(5000) as i32);
            let values = NetworkValues {
                name,
                acronym,
                description,
                founded_year,
                founded_in_id,
                reported_member_count,
                reported_member_count_qualifier: None,
                alternate_names: Vec::new(),
                source_id: None,
            };
            (format!("network-{i}"), values)
        })
        .collect();
    (networks, topics)
}

fn memberships(
    plan: &Plan,
    random: &mut Random,
    places: &[i32],
    networks: &[i32],
) -> Vec<MembershipValues> {
    let zipf = Zipf::new(networks.len(), 1.1);
    // Each place joins 1 to 40 networks (capped by how many exist), skewed towards few, with a
    // mean that makes the total come out near the plan.
    let most = 40.min(networks.len());
    let mean = (plan.memberships as f64 / plan.places as f64).clamp(1.0, most as f64);
    let skew = if mean > 1.0 {
        (most as f64 - 1.0) / (mean - 1.0) - 1.0
    } else {
        f64::MAX
    };
    let mut rows = Vec::with_capacity(plan.memberships);
    let mut joined = HashSet::new();
    for &place in places {
        let wanted = 1 + ((most - 1) as f64 * random.unit().powf(skew.max(0.0))) as usize;
        joined.clear();
        let mut attempts = 0;
        while joined.len() < wanted && attempts < wanted * 20 {
            attempts += 1;
            let network = networks[zipf.sample(random)];
            if joined.insert(network) {
                let role = match random.below(50) {
                    0 => membership::MembershipRole::FoundingMember,
                    1 => membership::MembershipRole::CoFounder,
                    _ => membership::MembershipRole::Member,
                };
                let since = (random.below(2) == 0).then(|| 1950 + random.below(76) as i32);
                rows.push(MembershipValues {
                    place_id: place,
                    network_id: network,
                    role,
                    since,
                    represented_by: None,
                    source_id: None,
                    evidence: (None, None),
                });
            }
        }
    }
    rows
}

fn events(
    plan: &Plan,
    random: &mut Random,
    places: &[i32],
    networks: &[i32],
) -> (Vec<EventValues>, Vec<(usize, i32)>) {
    let zipf = Zipf::new(networks.len(), 1.1);
    let mut participants = Vec::new();
    let events = (0..plan.events)
        .map(|i| {
            let (kind, label) = *random.pick(&[
                (event::EventKind::Conference, "Conference"),
                (event::EventKind::Conference, "Summit"),
                (event::EventKind::Launch, "Launch"),
                (event::EventKind::Signing, "Signing"),
            ]);
            let year = 1950 + random.below(76) as i32;
            let mut seen = HashSet::new();
            for _ in 0..random.below(11) {
                let place = *random.pick(places);
                if seen.insert(place) {
                    participants.push((i, place));
                }
            }
            let title = format!("{label} {year} in {}", word(random));
            let topic = Some((*random.pick(TOPICS)).to_owned());
            let network_id = networks[zipf.sample(random)];
            let host_id = (random.below(5) != 0).then(|| *random.pick(places));
            let reported_participant_count =
                (random.below(3) == 0).then(|| 5 + random.below(200) as i32);
            EventValues {
                network_id,
                kind,
                title,
                year: Some(year),
                topic,
                host_id,
                reported_participant_count,
                evidence: (None, None),
                source_id: None,
            }
        })
        .collect();
    (events, participants)
}

/// Pairs of twinned places (each pair once; written as a row from either side).
fn twinnings(random: &mut Random, places: &[i32]) -> Vec<(i32, i32, Option<i32>)> {
    let mut pairs = HashSet::new();
    for _ in 0..places.len() / 10 {
        let (a, b) = (*random.pick(places), *random.pick(places));
        if a != b {
            pairs.insert((a.min(b), a.max(b)));
        }
    }
    let mut pairs: Vec<(i32, i32)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(a, b)| (a, b, None)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Random(7), Random(7));
        let first: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(first, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        assert_ne!(Random(8).next_u64(), first[0]);
    }

    /// The README, BENCHMARKS.md and `data::export` quote this number for the default world: duplicates drawn
    /// are dropped, so a few less memberships than planned are written.
    #[test]
    fn the_default_world_has_the_documented_number_of_memberships() {
        let plan = Plan::default();
        let mut random = Random(plan.seed);
        // Ids as an empty database gives them: 1, 2, 3, … in insertion order.
        let place_ids: Vec<i32> = (1..).take(places(&plan, &mut random).len()).collect();
        let network_ids: Vec<i32> = (1..)
            .take(networks(&plan, &mut random, &place_ids).0.len())
            .collect();
        let memberships = memberships(&plan, &mut random, &place_ids, &network_ids);
        assert_eq!(memberships.len(), 479_466);
    }

    #[test]
    fn zipf_favours_the_first_items() {
        let zipf = Zipf::new(100, 1.1);
        let mut random = Random(1);
        let mut counts = [0usize; 100];
        for _ in 0..10_000 {
            counts[zipf.sample(&mut random)] += 1;
        }
        assert!(counts[0] > counts[9] && counts[9] > counts[99]);
    }
}
