//! The shortest chain place → network → place … between two places: a bidirectional
//! breadth-first search over the graph whose nodes are places and networks and whose edges are
//! memberships.
//!
//! Searching at this level rather than place to place matters on big data: a place in a network
//! of 37 000 members would otherwise have 37 000 neighbours to load and remember at the first
//! step. Here the cheap layers (a place's networks: at most a few dozen rows) are expanded
//! first, and when both sides stand on networks, one statement asks whether a single place
//! belongs to a network of each side (a "bridge") before any member list is loaded. Chains of
//! up to two networks therefore never read a member list at all.

use std::collections::HashMap;

use entity::membership;
use sea_orm::{
    sea_query::{Alias, Expr, ExprTrait, Order, Query},
    ConnectionTrait, DatabaseConnection, DbErr,
};

use crate::loaders::graph::{membership_pairs, memberships};

/// The longest chain looked for, in networks.
pub const MAX_LENGTH: usize = 6;
/// How many places and networks the two sides may reach together before the search gives up.
pub const MAX_VISITS: usize = 100_000;
/// The ids one statement takes at once (well under SQLite's limit on bound values).
const CHUNK: usize = 5_000;

/// A node of the membership graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Node {
    Place(i32),
    Network(i32),
}

/// One side of the search: every node it reached, with the node it was reached from and its
/// distance (in edges) from the side's origin, and the nodes reached at the last level.
struct Side {
    reached: HashMap<Node, (Option<Node>, usize)>,
    /// All of one kind: the layers alternate between places and networks.
    frontier: Vec<Node>,
    depth: usize,
}

impl Side {
    fn from(place: i32) -> Self {
        Self {
            reached: HashMap::from([(Node::Place(place), (None, 0))]),
            frontier: vec![Node::Place(place)],
            depth: 0,
        }
    }

    fn on_places(&self) -> bool {
        matches!(self.frontier.first(), Some(Node::Place(_)))
    }

    /// The frontier's ids, sorted so that statements (and so the chain found) are repeatable.
    fn frontier_ids(&self) -> Vec<i32> {
        let mut ids: Vec<i32> = self
            .frontier
            .iter()
            .map(|node| match *node {
                Node::Place(id) | Node::Network(id) => id,
            })
            .collect();
        ids.sort_unstable();
        ids
    }

    /// The nodes from the origin to `node`, origin first.
    fn trail(&self, node: Node) -> Vec<Node> {
        let mut trail = vec![node];
        let mut current = node;
        while let Some(&(Some(previous), _)) = self.reached.get(&current) {
            trail.push(previous);
            current = previous;
        }
        trail.reverse();
        trail
    }
}

/// The shortest chain from `start` to `goal` as (network, place) links after `start`; `None`
/// when `goal` is not within [`MAX_LENGTH`] networks (or the search reached [`MAX_VISITS`]).
pub async fn shortest_chain(
    db: &DatabaseConnection,
    start: i32,
    goal: i32,
) -> crate::error::AppResult<Option<Vec<(i32, i32)>>> {
    if start == goal {
        return Ok(Some(Vec::new()));
    }
    let (mut from_start, mut from_goal) = (Side::from(start), Side::from(goal));
    // A chain of n networks is 2n edges long.
    while from_start.depth + from_goal.depth < 2 * MAX_LENGTH {
        if !from_start.on_places() && !from_goal.on_places() {
            if let Some(nodes) = bridge(db, &from_start, &from_goal).await? {
                return Ok(Some(chain(&nodes)));
            }
        }
        let forward = expand_start_side(&from_start, &from_goal);
        let (side, other) = if forward {
            (&mut from_start, &from_goal)
        } else {
            (&mut from_goal, &from_start)
        };
        let meeting = expand(db, side, other).await?;
        if let Some(meeting) = meeting {
            let (mut nodes, mut towards_goal) =
                (from_start.trail(meeting), from_goal.trail(meeting));
            towards_goal.pop();
            nodes.extend(towards_goal.into_iter().rev());
            return Ok(Some(chain(&nodes)));
        }
        let side = if forward { &from_start } else { &from_goal };
        if side.frontier.is_empty()
            || from_start.reached.len() + from_goal.reached.len() > MAX_VISITS
        {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Which side grows next: a side standing on places (its networks are a cheap lookup) before a
/// side standing on networks (their member lists can be long), otherwise the smaller frontier.
fn expand_start_side(from_start: &Side, from_goal: &Side) -> bool {
    match (from_start.on_places(), from_goal.on_places()) {
        (true, false) => true,
        (false, true) => false,
        _ => from_start.frontier.len() <= from_goal.frontier.len(),
    }
}

/// Grows `side` by one level. Returns the node where it met `other`, choosing the one closest
/// to `other`'s origin.
async fn expand(
    db: &DatabaseConnection,
    side: &mut Side,
    other: &Side,
) -> Result<Option<Node>, DbErr> {
    let on_places = side.on_places();
    let mut next = Vec::new();
    let mut best: Option<(usize, Node)> = None;
    for chunk in side.frontier_ids().chunks(CHUNK) {
        for (from, to) in adjacent(db, chunk, on_places).await? {
            let (from, to) = if on_places {
                (Node::Place(from), Node::Network(to))
            } else {
                (Node::Network(from), Node::Place(to))
            };
            if side.reached.contains_key(&to) {
                continue;
            }
            side.reached.insert(to, (Some(from), side.depth + 1));
            if let Some(&(_, distance)) = other.reached.get(&to) {
                if best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, to));
                }
            }
            next.push(to);
        }
    }
    side.depth += 1;
    side.frontier = next;
    Ok(best.map(|(_, node)| node))
}

/// When both sides stand on networks: a place in a frontier network of each side, as the nodes
/// of the whole chain. Any chain not yet found is at least this long, so it is a shortest one.
async fn bridge(
    db: &DatabaseConnection,
    from_start: &Side,
    from_goal: &Side,
) -> Result<Option<Vec<Node>>, DbErr> {
    let (starts, goals) = (from_start.frontier_ids(), from_goal.frontier_ids());
    for start_chunk in starts.chunks(CHUNK) {
        for goal_chunk in goals.chunks(CHUNK) {
            if let Some((start_network, place, goal_network)) =
                shared_member(db, start_chunk, goal_chunk).await?
            {
                let mut nodes = from_start.trail(Node::Network(start_network));
                nodes.push(Node::Place(place));
                nodes.extend(
                    from_goal
                        .trail(Node::Network(goal_network))
                        .into_iter()
                        .rev(),
                );
                return Ok(Some(nodes));
            }
        }
    }
    Ok(None)
}

/// The (network, place) links after the first place of an alternating place/network trail.
fn chain(nodes: &[Node]) -> Vec<(i32, i32)> {
    nodes
        .windows(2)
        .filter_map(|pair| match *pair {
            [Node::Network(network), Node::Place(place)] => Some((network, place)),
            _ => None,
        })
        .collect()
}

/// The networks of `ids` (places) or the members of `ids` (networks) as (id, adjacent id), in
/// the order memberships were recorded.
async fn adjacent(
    db: &DatabaseConnection,
    ids: &[i32],
    of_places: bool,
) -> Result<Vec<(i32, i32)>, DbErr> {
    let (from, to) = if of_places {
        (membership::Column::PlaceId, membership::Column::NetworkId)
    } else {
        (membership::Column::NetworkId, membership::Column::PlaceId)
    };
    let statement = Query::select()
        .expr_as(Expr::col(from), Alias::new("from_id"))
        .expr_as(Expr::col(to), Alias::new("to_id"))
        .from(memberships())
        .and_where(Expr::col(from).is_in(ids.iter().copied()))
        .order_by(membership::Column::Id, Order::Asc)
        .to_owned();
    let mut pairs = Vec::new();
    for row in db.query_all(&statement).await? {
        pairs.push((row.try_get("", "from_id")?, row.try_get("", "to_id")?));
    }
    Ok(pairs)
}

/// A place that belongs to one of `starts` and one of `goals` (networks), with those networks.
async fn shared_member(
    db: &DatabaseConnection,
    starts: &[i32],
    goals: &[i32],
) -> Result<Option<(i32, i32, i32)>, DbErr> {
    let (m1, m2) = (Alias::new("m1"), Alias::new("m2"));
    let statement = membership_pairs(membership::Column::PlaceId)
        .expr_as(
            Expr::col((m1.clone(), membership::Column::NetworkId)),
            Alias::new("start_network"),
        )
        .expr_as(
            Expr::col((m1.clone(), membership::Column::PlaceId)),
            Alias::new("place"),
        )
        .expr_as(
            Expr::col((m2.clone(), membership::Column::NetworkId)),
            Alias::new("goal_network"),
        )
        .and_where(Expr::col((m1, membership::Column::NetworkId)).is_in(starts.iter().copied()))
        .and_where(Expr::col((m2, membership::Column::NetworkId)).is_in(goals.iter().copied()))
        .limit(1)
        .to_owned();
    match db.query_one(&statement).await? {
        Some(row) => Ok(Some((
            row.try_get("", "start_network")?,
            row.try_get("", "place")?,
            row.try_get("", "goal_network")?,
        ))),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashSet, VecDeque};

    use sea_orm::{ConnectOptions, Database, EntityTrait};

    use super::*;
    use crate::generate::{generate, Plan};

    /// Chain lengths by a plain place-to-place breadth-first search over all memberships.
    fn lengths_from(
        start: i32,
        members: &HashMap<i32, Vec<i32>>,
        networks_of: &HashMap<i32, Vec<i32>>,
    ) -> HashMap<i32, usize> {
        let mut lengths = HashMap::from([(start, 0)]);
        let mut queue = VecDeque::from([start]);
        while let Some(place) = queue.pop_front() {
            let length = lengths[&place];
            for network in networks_of.get(&place).into_iter().flatten() {
                for &neighbour in &members[network] {
                    if let std::collections::hash_map::Entry::Vacant(entry) =
                        lengths.entry(neighbour)
                    {
                        entry.insert(length + 1);
                        queue.push_back(neighbour);
                    }
                }
            }
        }
        lengths
    }

    /// On a sparse generated world (chains of every length, unreachable places), the search
    /// finds chains exactly as long as a plain breadth-first search, and every link is real.
    #[tokio::test]
    async fn chains_are_as_short_as_a_plain_search_finds_and_real() {
        let mut options = ConnectOptions::new("sqlite::memory:");
        options.max_connections(1).sqlx_logging(false);
        let db = Database::connect(options).await.unwrap();
        crate::db::migrate(&db).await.unwrap();
        let plan = Plan {
            places: 300,
            networks: 120,
            memberships: 330,
            events: 0,
            seed: 3,
        };
        generate(&db, &plan).await.unwrap();
        let rows = membership::Entity::find().all(&db).await.unwrap();
        let pairs: HashSet<(i32, i32)> = rows.iter().map(|m| (m.place_id, m.network_id)).collect();
        let (mut members, mut networks_of) = (
            HashMap::<i32, Vec<i32>>::new(),
            HashMap::<i32, Vec<i32>>::new(),
        );
        for m in &rows {
            members.entry(m.network_id).or_default().push(m.place_id);
            networks_of
                .entry(m.place_id)
                .or_default()
                .push(m.network_id);
        }
        let mut seen_lengths = HashSet::new();
        for start in [1, 2, 3, 50, 150] {
            let expected = lengths_from(start, &members, &networks_of);
            for goal in 1..=300 {
                let found = shortest_chain(&db, start, goal).await.unwrap();
                match expected.get(&goal).filter(|&&length| length <= MAX_LENGTH) {
                    None => assert_eq!(found, None, "{start} → {goal}"),
                    Some(&length) => {
                        let chain = found.unwrap_or_else(|| panic!("{start} → {goal}: none"));
                        assert_eq!(chain.len(), length, "{start} → {goal}: {chain:?}");
                        let mut previous = start;
                        for &(network, place) in &chain {
                            assert!(
                                pairs.contains(&(previous, network))
                                    && pairs.contains(&(place, network)),
                                "{start} → {goal}: {chain:?}"
                            );
                            previous = place;
                        }
                        assert_eq!(previous, goal);
                        seen_lengths.insert(length);
                    }
                }
            }
        }
        // The world must exercise more than the cheap cases.
        assert!(
            seen_lengths.iter().any(|&length| length >= 3),
            "{seen_lengths:?}"
        );
    }

    #[test]
    fn a_trail_becomes_network_place_links() {
        let nodes = [
            Node::Place(1),
            Node::Network(10),
            Node::Place(2),
            Node::Network(20),
            Node::Place(3),
        ];
        assert_eq!(chain(&nodes), vec![(10, 2), (20, 3)]);
        assert_eq!(chain(&nodes[..1]), Vec::new());
    }

    #[test]
    fn a_side_on_places_grows_before_a_side_on_networks() {
        let on_places = Side::from(1);
        let mut on_networks = Side::from(2);
        on_networks.frontier = vec![Node::Network(5)];
        assert!(expand_start_side(&on_places, &on_networks));
        assert!(!expand_start_side(&on_networks, &on_places));
    }
}
