//! `citynet generate`: a deterministic synthetic world for benchmarks, shaped like the real one
//! — a few networks with thousands of members and most with tens (Zipf-distributed sizes),
//! places in 1 to 40 networks, events with hosts and participants, twinnings — written in one
//! transaction into an empty database.

use std::{collections::HashSet, time::Instant};

use anyhow::{bail, Context};
use entity::{event, event_participant, fold, membership, network, network_topic, place, twinning};
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryOrder, QuerySelect, TransactionTrait,
};

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

impl Plan {
    /// Reads `--places N` style arguments; anything not given keeps its default.
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        let mut plan = Self::default();
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .with_context(|| format!("{flag} needs a value"))?;
            let number = || -> anyhow::Result<usize> {
                value
                    .parse()
                    .with_context(|| format!("{flag} takes a whole number, got {value:?}"))
            };
            match flag.as_str() {
                "--places" => plan.places = number()?,
                "--networks" => plan.networks = number()?,
                "--memberships" => plan.memberships = number()?,
                "--events" => plan.events = number()?,
                "--seed" => plan.seed = number()? as u64,
                other => bail!("unknown option {other:?} (--places, --networks, --memberships, --events, --seed)"),
            }
        }
        if plan.places == 0 || plan.networks == 0 {
            bail!("--places and --networks must be at least 1");
        }
        Ok(plan)
    }
}

/// splitmix64: a tiny, well-known generator; the same seed gives the same world everywhere.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0.0..1.0.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
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
    if place::Entity::find().count(db).await? + network::Entity::find().count(db).await? > 0 {
        bail!("the database already holds data: generate into an empty one");
    }
    let started = Instant::now();
    let mut random = Random(plan.seed);
    let txn = db.begin().await?;
    let mut generated = Generated::default();

    insert_chunked(&txn, places(plan, &mut random)).await?;
    generated.places = plan.places;
    let place_ids = ids::<place::Entity>(&txn).await?;

    let (networks, topics) = networks(plan, &mut random, &place_ids);
    insert_chunked(&txn, networks).await?;
    generated.networks = plan.networks;
    let network_ids = ids::<network::Entity>(&txn).await?;
    let topics = topics
        .into_iter()
        .map(|(index, position, topic)| network_topic::ActiveModel {
            network_id: Set(network_ids[index]),
            topic: Set(topic.to_owned()),
            position: Set(position),
        })
        .collect();
    insert_chunked(&txn, topics).await?;

    let memberships = memberships(plan, &mut random, &place_ids, &network_ids);
    generated.memberships = memberships.len();
    insert_chunked(&txn, memberships).await?;

    let (events, participants) = events(plan, &mut random, &place_ids, &network_ids);
    generated.events = events.len();
    insert_chunked(&txn, events).await?;
    let event_ids = ids::<event::Entity>(&txn).await?;
    let participants: Vec<event_participant::ActiveModel> = participants
        .into_iter()
        .map(|(event_index, place_id)| event_participant::ActiveModel {
            event_id: Set(event_ids[event_index]),
            place_id: Set(place_id),
            ..Default::default()
        })
        .collect();
    generated.participants = participants.len();
    insert_chunked(&txn, participants).await?;

    let twinnings = twinnings(&mut random, &place_ids);
    generated.twinnings = twinnings.len() / 2;
    insert_chunked(&txn, twinnings).await?;

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

/// Inserts rows in statements of a few hundred (well under every backend's parameter limit).
async fn insert_chunked<A>(txn: &DatabaseTransaction, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait + Clone + Send,
{
    for chunk in rows.chunks(500) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// Every id of a table, in insertion order.
async fn ids<E: EntityTrait>(txn: &DatabaseTransaction) -> Result<Vec<i32>, sea_orm::DbErr>
where
    E::Column: From<IdColumn>,
{
    E::find()
        .select_only()
        .column(E::Column::from(IdColumn))
        .order_by_asc(E::Column::from(IdColumn))
        .into_tuple::<i32>()
        .all(txn)
        .await
}

/// Names the `id` column of any entity (see [`ids`]).
pub struct IdColumn;

macro_rules! id_column {
    ($($module:ident),*) => {$(
        impl From<IdColumn> for $module::Column {
            fn from(_: IdColumn) -> Self {
                $module::Column::Id
            }
        }
    )*};
}
id_column!(place, network, event);

fn places(plan: &Plan, random: &mut Random) -> Vec<place::ActiveModel> {
    (0..plan.places)
        .map(|i| {
            let name = format!("{} {i}", word(random));
            let region = random.below(20) == 0;
            place::ActiveModel {
                slug: Set(format!("place-{i}")),
                name_folded: Set(fold(&name)),
                name: Set(name),
                kind: Set(if region {
                    place::PlaceKind::Region
                } else {
                    place::PlaceKind::City
                }),
                country_code: Set(Some((*random.pick(COUNTRIES)).to_owned())),
                latitude: Set((!region).then(|| 35.0 + random.unit() * 30.0)),
                longitude: Set((!region).then(|| -10.0 + random.unit() * 50.0)),
                ..Default::default()
            }
        })
        .collect()
}

type Topics = Vec<(usize, i32, &'static str)>;

fn networks(
    plan: &Plan,
    random: &mut Random,
    places: &[i32],
) -> (Vec<network::ActiveModel>, Topics) {
    let mut topics = Vec::new();
    let networks = (0..plan.networks)
        .map(|i| {
            let name = format!("{} {} {i}", word(random), random.pick(NETWORK_WORDS));
            for position in 0..(1 + random.below(3)) {
                let topic = *random.pick(TOPICS);
                if !topics.iter().any(|(n, _, t)| *n == i && *t == topic) {
                    topics.push((i, position as i32, topic));
                }
            }
            network::ActiveModel {
                slug: Set(format!("network-{i}")),
                name_folded: Set(fold(&name)),
                acronym: Set((random.below(2) == 0).then(|| format!("N{i}"))),
                description: Set(Some(format!(
                    "A synthetic network about {} cities.",
                    word(random)
                ))),
                founded_year: Set((random.below(10) < 7).then(|| 1900 + random.below(126) as i32)),
                founded_in_id: Set((random.below(10) < 3).then(|| *random.pick(places))),
                reported_member_count: Set(
                    (random.below(2) == 0).then(|| random.below(5000) as i32)
                ),
                name: Set(name),
                ..Default::default()
            }
        })
        .collect();
    (networks, topics)
}

fn memberships(
    plan: &Plan,
    random: &mut Random,
    places: &[i32],
    networks: &[i32],
) -> Vec<membership::ActiveModel> {
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
                rows.push(membership::ActiveModel {
                    place_id: Set(place),
                    network_id: Set(network),
                    role: Set(match random.below(50) {
                        0 => membership::MembershipRole::FoundingMember,
                        1 => membership::MembershipRole::CoFounder,
                        _ => membership::MembershipRole::Member,
                    }),
                    since: Set((random.below(2) == 0).then(|| 1950 + random.below(76) as i32)),
                    ..Default::default()
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
) -> (Vec<event::ActiveModel>, Vec<(usize, i32)>) {
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
            event::ActiveModel {
                kind: Set(kind),
                title: Set(format!("{label} {year} in {}", word(random))),
                year: Set(Some(year)),
                topic: Set(Some((*random.pick(TOPICS)).to_owned())),
                network_id: Set(networks[zipf.sample(random)]),
                host_id: Set((random.below(5) != 0).then(|| *random.pick(places))),
                reported_participant_count: Set(
                    (random.below(3) == 0).then(|| 5 + random.below(200) as i32)
                ),
                ..Default::default()
            }
        })
        .collect();
    (events, participants)
}

fn twinnings(random: &mut Random, places: &[i32]) -> Vec<twinning::ActiveModel> {
    let mut pairs = HashSet::new();
    for _ in 0..places.len() / 10 {
        let (a, b) = (*random.pick(places), *random.pick(places));
        if a != b {
            pairs.insert((a.min(b), a.max(b)));
        }
    }
    let mut pairs: Vec<(i32, i32)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    pairs
        .into_iter()
        .flat_map(|(a, b)| [(a, b), (b, a)])
        .map(|(place, twin)| twinning::ActiveModel {
            place_id: Set(place),
            twin_id: Set(twin),
            ..Default::default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Random(7), Random(7));
        let first: Vec<u64> = (0..5).map(|_| a.next()).collect();
        assert_eq!(first, (0..5).map(|_| b.next()).collect::<Vec<_>>());
        assert_ne!(Random(8).next(), first[0]);
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

    #[test]
    fn arguments_parse_and_unknown_ones_fail() {
        let args: Vec<String> = ["--places", "10", "--seed", "3"].map(String::from).to_vec();
        let plan = Plan::from_args(&args).unwrap();
        assert_eq!((plan.places, plan.seed, plan.networks), (10, 3, 2_000));
        assert!(Plan::from_args(&["--bogus".into(), "1".into()]).is_err());
        assert!(Plan::from_args(&["--places".into()]).is_err());
    }
}
