//! Graph questions, batched: partners (places sharing networks) paged per place, the networks two
//! places share, and per-place and per-network aggregates.

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::{event, event_participant, membership, place};
use sea_orm::{
    sea_query::{
        Alias, Asterisk, Condition, Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement,
        UnionType, WindowStatement,
    },
    ConnectionTrait, EntityName,
};

use super::{
    group_by, grouped_counts,
    page::{Position, Row, Rows, SortValue, Window},
    AppLoader, LoadError,
};

pub(crate) fn memberships() -> &'static str {
    membership::Entity.table_name()
}

/// `memberships AS m1 JOIN memberships AS m2 ON m2.<on> = m1.<on>`: pairs of memberships in one
/// network (`on` is the network column) or of one place (the place column). Callers add the
/// columns and conditions.
pub(crate) fn membership_pairs(on: membership::Column) -> SelectStatement {
    let (m1, m2) = (Alias::new("m1"), Alias::new("m2"));
    Query::select()
        .from_as(memberships(), m1.clone())
        .join_as(
            JoinType::InnerJoin,
            memberships(),
            m2.clone(),
            Expr::col((m2, on)).equals((m1, on)),
        )
        .to_owned()
}

/// A place that shares networks with another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartnerRow {
    pub partner: i32,
    pub shared: i64,
}

/// One place's page of partners, ordered by the number of shared networks (most first), then
/// by the order places were recorded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PartnersOf {
    pub place: i32,
    pub window: Window,
}

/// How many partners a place has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PartnerCountOf(pub i32);

/// The networks two places both belong to (ids, in the order memberships were recorded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SharedNetworks {
    pub a: i32,
    pub b: i32,
}

/// The number of distinct events a place hosted or is named as taking part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EventCountOf(pub i32);

/// A network's members counted by an attribute of the places.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MemberCountsBy {
    pub network: i32,
    pub attribute: PlaceAttribute,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlaceAttribute {
    CountryCode,
    Kind,
}

impl PlaceAttribute {
    fn column(self) -> place::Column {
        match self {
            PlaceAttribute::CountryCode => place::Column::CountryCode,
            PlaceAttribute::Kind => place::Column::Kind,
        }
    }
}

/// `place_id, partner_id, shared` for the given places: pairs of memberships in one network.
fn partner_pairs(places: &[i32]) -> sea_orm::sea_query::SelectStatement {
    let (m1, m2) = (Alias::new("m1"), Alias::new("m2"));
    membership_pairs(membership::Column::NetworkId)
        .expr_as(
            Expr::col((m1.clone(), membership::Column::PlaceId)),
            Alias::new("place"),
        )
        .expr_as(
            Expr::col((m2.clone(), membership::Column::PlaceId)),
            Alias::new("partner"),
        )
        .expr_as(
            Expr::col((m2.clone(), membership::Column::NetworkId)).count(),
            Alias::new("shared"),
        )
        .and_where(
            Expr::col((m2.clone(), membership::Column::PlaceId))
                .ne(Expr::col((m1.clone(), membership::Column::PlaceId))),
        )
        .and_where(
            Expr::col((m1.clone(), membership::Column::PlaceId)).is_in(places.iter().copied()),
        )
        .group_by_col((m1, membership::Column::PlaceId))
        .group_by_col((m2, membership::Column::PlaceId))
        .to_owned()
}

/// Rows strictly after (or before) `position` in the order (shared DESC, partner ASC).
fn partner_beyond(position: &Position, after: bool) -> Condition {
    let shared = Expr::col(Alias::new("shared"));
    let partner = Expr::col(Alias::new("partner"));
    let value = match position.value {
        SortValue::Int(v) => v,
        _ => 0,
    };
    let (more_shared, partner_beyond) = if after {
        (shared.clone().lt(value), partner.gt(position.key))
    } else {
        (shared.clone().gt(value), partner.lt(position.key))
    };
    Condition::any()
        .add(more_shared)
        .add(Condition::all().add(shared.eq(value)).add(partner_beyond))
}

impl Loader<PartnersOf> for AppLoader {
    type Value = Rows<PartnerRow>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PartnersOf],
    ) -> Result<HashMap<PartnersOf, Self::Value>, Self::Error> {
        let groups = group_by(keys.iter().map(|key| (&key.window, key.place)));
        let mut pages: HashMap<PartnersOf, Self::Value> =
            keys.iter().map(|key| (key.clone(), Vec::new())).collect();
        for (window, places) in groups {
            let (first, then) = if window.backward {
                (Order::Asc, Order::Desc)
            } else {
                (Order::Desc, Order::Asc)
            };
            let mut numbered = Query::select();
            numbered
                .column(Asterisk)
                .expr_window_as(
                    Func::cust("ROW_NUMBER"),
                    WindowStatement::partition_by(Alias::new("place"))
                        .order_by(Alias::new("shared"), first)
                        .order_by(Alias::new("partner"), then)
                        .to_owned(),
                    Alias::new("rn"),
                )
                .from_subquery(partner_pairs(&places), Alias::new("p"));
            if let Some(after) = &window.after {
                numbered.cond_where(partner_beyond(after, true));
            }
            if let Some(before) = &window.before {
                numbered.cond_where(partner_beyond(before, false));
            }
            let statement = Query::select()
                .columns([
                    Alias::new("place"),
                    Alias::new("partner"),
                    Alias::new("shared"),
                ])
                .from_subquery(numbered, Alias::new("n"))
                .and_where(
                    Expr::col(Alias::new("rn"))
                        .lte(i64::try_from(window.size).unwrap_or(i64::MAX - 1) + 1),
                )
                .order_by(Alias::new("place"), Order::Asc)
                .order_by(Alias::new("rn"), Order::Asc)
                .to_owned();
            for row in self.db.query_all(&statement).await? {
                let place: i32 = row.try_get("", "place")?;
                let partner: i32 = row.try_get("", "partner")?;
                let shared: i64 = row.try_get("", "shared")?;
                let key = PartnersOf {
                    place,
                    window: window.clone(),
                };
                pages.entry(key).or_default().push(Row {
                    position: Position {
                        value: SortValue::Int(shared),
                        key: partner,
                    },
                    model: PartnerRow { partner, shared },
                });
            }
        }
        Ok(pages)
    }
}

impl Loader<PartnerCountOf> for AppLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[PartnerCountOf],
    ) -> Result<HashMap<PartnerCountOf, u64>, Self::Error> {
        let places: Vec<i32> = keys.iter().map(|key| key.0).collect();
        let statement = Query::select()
            .column(Alias::new("place"))
            .expr_as(Expr::col(Asterisk).count(), Alias::new("partners"))
            .from_subquery(partner_pairs(&places), Alias::new("p"))
            .group_by_col(Alias::new("place"))
            .to_owned();
        let counts = grouped_counts(&self.db, &statement).await?;
        Ok(keys
            .iter()
            .map(|key| (*key, counts.get(&key.0).copied().unwrap_or(0)))
            .collect())
    }
}

impl Loader<SharedNetworks> for AppLoader {
    type Value = Vec<i32>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SharedNetworks],
    ) -> Result<HashMap<SharedNetworks, Vec<i32>>, Self::Error> {
        let (m1, m2) = (Alias::new("m1"), Alias::new("m2"));
        let pairs = keys.iter().map(|key| {
            Condition::all()
                .add(Expr::col((Alias::new("m1"), membership::Column::PlaceId)).eq(key.a))
                .add(Expr::col((Alias::new("m2"), membership::Column::PlaceId)).eq(key.b))
        });
        let statement = membership_pairs(membership::Column::NetworkId)
            .expr_as(
                Expr::col((m1.clone(), membership::Column::PlaceId)),
                Alias::new("a"),
            )
            .expr_as(
                Expr::col((m2, membership::Column::PlaceId)),
                Alias::new("b"),
            )
            .expr_as(
                Expr::col((m1.clone(), membership::Column::NetworkId)),
                Alias::new("network"),
            )
            .cond_where(pairs.fold(Condition::any(), Condition::add))
            .order_by((m1, membership::Column::Id), Order::Asc)
            .to_owned();
        let mut shared: HashMap<SharedNetworks, Vec<i32>> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        for row in self.db.query_all(&statement).await? {
            let key = SharedNetworks {
                a: row.try_get("", "a")?,
                b: row.try_get("", "b")?,
            };
            shared
                .entry(key)
                .or_default()
                .push(row.try_get("", "network")?);
        }
        Ok(shared)
    }
}

impl Loader<EventCountOf> for AppLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(&self, keys: &[EventCountOf]) -> Result<HashMap<EventCountOf, u64>, Self::Error> {
        let places: Vec<i32> = keys.iter().map(|key| key.0).collect();
        let (events, participants) = (
            event::Entity.table_name(),
            event_participant::Entity.table_name(),
        );
        let hosted = Query::select()
            .expr_as(
                Expr::col((events, event::Column::HostId)),
                Alias::new("place"),
            )
            .expr_as(Expr::col((events, event::Column::Id)), Alias::new("event"))
            .from(events)
            .and_where(Expr::col((events, event::Column::HostId)).is_in(places.clone()))
            .to_owned();
        let attended = Query::select()
            .expr_as(
                Expr::col((participants, event_participant::Column::PlaceId)),
                Alias::new("place"),
            )
            .expr_as(
                Expr::col((participants, event_participant::Column::EventId)),
                Alias::new("event"),
            )
            .from(participants)
            .and_where(Expr::col((participants, event_participant::Column::PlaceId)).is_in(places))
            .to_owned();
        // UNION (not UNION ALL) drops an event that a place both hosted and attended.
        let both = hosted
            .clone()
            .union(UnionType::Distinct, attended)
            .to_owned();
        let statement = Query::select()
            .column(Alias::new("place"))
            .expr_as(Expr::col(Asterisk).count(), Alias::new("events"))
            .from_subquery(both, Alias::new("u"))
            .group_by_col(Alias::new("place"))
            .to_owned();
        let counts = grouped_counts(&self.db, &statement).await?;
        Ok(keys
            .iter()
            .map(|key| (*key, counts.get(&key.0).copied().unwrap_or(0)))
            .collect())
    }
}

impl Loader<MemberCountsBy> for AppLoader {
    /// (value of the column, or None; count), most members first.
    type Value = Vec<(Option<String>, u64)>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[MemberCountsBy],
    ) -> Result<HashMap<MemberCountsBy, Self::Value>, Self::Error> {
        let groups = group_by(keys.iter().map(|key| (key.attribute, key.network)));
        let mut counts: HashMap<MemberCountsBy, Self::Value> =
            keys.iter().map(|key| (*key, Vec::new())).collect();
        let (m, p) = (memberships(), place::Entity.table_name());
        for (attribute, networks) in groups {
            let column = attribute.column();
            let statement = Query::select()
                .expr_as(
                    Expr::col((m, membership::Column::NetworkId)),
                    Alias::new("network"),
                )
                .expr_as(Expr::col((p, column)), Alias::new("value"))
                .expr_as(Expr::col(Asterisk).count(), Alias::new("members"))
                .from(m)
                .inner_join(
                    p,
                    Expr::col((p, place::Column::Id)).equals((m, membership::Column::PlaceId)),
                )
                .and_where(Expr::col((m, membership::Column::NetworkId)).is_in(networks))
                .group_by_col((m, membership::Column::NetworkId))
                .group_by_col((p, column))
                .order_by_expr(Expr::col(Asterisk).count(), Order::Desc)
                .order_by((p, column), Order::Asc)
                .to_owned();
            for row in self.db.query_all(&statement).await? {
                let network: i32 = row.try_get("", "network")?;
                let value: Option<String> = row.try_get("", "value")?;
                let members: i64 = row.try_get("", "members")?;
                counts
                    .entry(MemberCountsBy { network, attribute })
                    .or_default()
                    .push((value, u64::try_from(members).unwrap_or(0)));
            }
        }
        Ok(counts)
    }
}
