//! What the plan covers of each object type: the fields of `City`, `Network`, `Membership` and
//! `Event` that read a column or follow a relation, planned from the document
//! ([`FieldKind::plan`]) and either written from each row alone ([`FieldKind::writer`]) or
//! computed for a batch of rows at once ([`FieldKind::column`]).
//! Fields left out here (`source`, `evidence`, `partners`, the member counts by country and
//! kind) send the whole operation to the resolvers.

use async_graphql::{futures_util::future::BoxFuture, InputType, Value};
use entity::{event, membership, network, place};
use sea_orm::EntityTrait;

use super::{
    build::{ConnPlan, Cx, Nested, Selection},
    json::{self, Json},
    run::{self, Run},
};
use crate::{
    loaders::{
        by_id::{NetworkId, PlaceId},
        filter::{EventTerm, MembershipTerm, NetworkTerm, PlaceTerm},
        graph::EventCountOf,
        page::{CountKey, EventList, ListSpec, MembershipList, NetworkList, Partial, PlaceList},
        topics::TopicsOf,
    },
    schema::{
        enums,
        filters::{
            CityFilter, CityOrder, EventFilter, EventOrder, MembershipFilter, MembershipOrder,
            NetworkFilter, NetworkOrder,
        },
        ids::NodeType,
    },
};

/// The rows of `F`'s type.
pub type Model<F> = <<F as FieldKind>::Entity as EntityTrait>::Model;

/// A planned field of one object type.
pub trait FieldKind: Sized + Send + Sync + 'static {
    type Entity: EntityTrait<Model: Clone + Send + Sync + Partial>;
    /// The GraphQL type, its connection and its edge (for `__typename` and fragments).
    const TYPE: &'static str;
    const CONNECTION: &'static str;
    const EDGE: &'static str;

    /// The field `name` (the fields of one response key in `group`), or `None` where the plan
    /// does not cover it.
    fn plan(
        cx: &Cx<'_>,
        name: &str,
        group: &[&async_graphql::parser::types::Field],
    ) -> Option<Self>;

    /// The column of the row the field reads, if it reads one beyond the primary key (which
    /// every row is read with): a page reads only the columns its selection reads.
    fn reads(&self) -> Option<<Self::Entity as EntityTrait>::Column>;

    /// How the field's value is written from its row alone (a column of the row, an id): into
    /// the row's object, with no value of its own. `None` for the fields [`FieldKind::column`]
    /// computes for all the rows at once.
    fn writer(&self) -> Option<Writer<Self>>;

    /// The field's value for each of `rows`, in their order, for a field without a
    /// [`FieldKind::writer`] (a relation, a count); `None` sends the operation to the
    /// resolvers.
    fn column<'a>(
        &'a self,
        run: &'a Run<'a>,
        rows: &'a [&'a Model<Self>],
    ) -> BoxFuture<'a, Option<Vec<Json>>>;
}

/// Writes a field's value from its row (the row of `F`'s type) into the row's object; `None`
/// sends the operation to the resolvers.
pub type Writer<F> = fn(&&Model<F>, &mut Vec<u8>) -> Option<()>;

/// A scalar or enum as the resolvers answer it (`InputType::to_value`).
fn value(out: &mut Vec<u8>, value: Value) -> Option<()> {
    json::write_value(out, &value)
}

fn texts(values: &[String]) -> Option<Json> {
    let items: Option<Vec<Json>> = values.iter().map(|value| Json::string(value)).collect();
    Some(Json::list(items?))
}

/// What the plan covers of `City` (`partners` and `source` are left to the resolvers).
pub enum CityField {
    Id,
    Slug,
    Name,
    AlternateNames,
    Kind,
    CountryCode,
    Latitude,
    Longitude,
    NetworkCount,
    EventCount,
    Memberships(ConnPlan<MembershipField, Nested<MembershipList, MembershipTerm>>),
    Networks(ConnPlan<NetworkField, Nested<NetworkList, NetworkTerm>>),
    HostedEvents(ConnPlan<EventField, Nested<EventList, EventTerm>>),
    AttendedEvents(ConnPlan<EventField, Nested<EventList, EventTerm>>),
    TwinCities(ConnPlan<CityField, Nested<PlaceList, PlaceTerm>>),
}

impl FieldKind for CityField {
    type Entity = place::Entity;
    const TYPE: &'static str = "City";
    const CONNECTION: &'static str = "CityConnection";
    const EDGE: &'static str = "CityEdge";

    fn plan(
        cx: &Cx<'_>,
        name: &str,
        group: &[&async_graphql::parser::types::Field],
    ) -> Option<Self> {
        Some(match name {
            "id" => Self::Id,
            "slug" => Self::Slug,
            "name" => Self::Name,
            "alternateNames" => Self::AlternateNames,
            "kind" => Self::Kind,
            "countryCode" => Self::CountryCode,
            "latitude" => Self::Latitude,
            "longitude" => Self::Longitude,
            "networkCount" => Self::NetworkCount,
            "eventCount" => Self::EventCount,
            "memberships" => {
                Self::Memberships(cx.nested::<_, MembershipFilter, MembershipOrder, _>(
                    group,
                    MembershipList::OfPlace,
                )?)
            }
            "networks" => Self::Networks(cx.nested::<_, NetworkFilter, NetworkOrder, _>(
                group,
                NetworkList::NetworksOfPlace,
            )?),
            "hostedEvents" => Self::HostedEvents(
                cx.nested::<_, EventFilter, EventOrder, _>(group, EventList::HostedByPlace)?,
            ),
            "attendedEvents" => Self::AttendedEvents(
                cx.nested::<_, EventFilter, EventOrder, _>(group, EventList::AttendedByPlace)?,
            ),
            "twinCities" => Self::TwinCities(
                cx.nested::<_, CityFilter, CityOrder, _>(group, PlaceList::TwinsOfPlace)?,
            ),
            _ => return None,
        })
    }

    fn reads(&self) -> Option<place::Column> {
        use place::Column as C;
        Some(match self {
            Self::Slug => C::Slug,
            Self::Name => C::Name,
            Self::AlternateNames => C::AlternateNames,
            Self::Kind => C::Kind,
            Self::CountryCode => C::CountryCode,
            Self::Latitude => C::Latitude,
            Self::Longitude => C::Longitude,
            Self::Id
            | Self::NetworkCount
            | Self::EventCount
            | Self::Memberships(_)
            | Self::Networks(_)
            | Self::HostedEvents(_)
            | Self::AttendedEvents(_)
            | Self::TwinCities(_) => return None,
        })
    }

    fn column<'a>(
        &'a self,
        run: &'a Run<'a>,
        rows: &'a [&'a place::Model],
    ) -> BoxFuture<'a, Option<Vec<Json>>> {
        Box::pin(async move {
            let parents = || rows.iter().map(|row| row.id);
            match self {
                Self::NetworkCount => {
                    let keys = parents().map(|parent| CountKey {
                        relation: NetworkList::NetworksOfPlace,
                        parent,
                        spec: ListSpec::<NetworkTerm>::default(),
                    });
                    run::counts(run, keys.collect()).await
                }
                Self::EventCount => run::counts(run, parents().map(EventCountOf).collect()).await,
                Self::Memberships(conn) => run::nested(run, conn, parents()).await,
                Self::Networks(conn) => run::nested(run, conn, parents()).await,
                Self::HostedEvents(conn) => run::nested(run, conn, parents()).await,
                Self::AttendedEvents(conn) => run::nested(run, conn, parents()).await,
                Self::TwinCities(conn) => run::nested(run, conn, parents()).await,
                // Written from the row (`writer`): never asked for a column.
                _ => None,
            }
        })
    }

    fn writer(&self) -> Option<Writer<Self>> {
        let writer: Writer<Self> = match self {
            Self::Id => |row, out| json::write_id(out, NodeType::City, row.id),
            Self::Slug => |row, out| json::write_string(out, &row.slug),
            Self::Name => |row, out| json::write_string(out, &row.name),
            Self::AlternateNames => |row, out| json::write_strings(out, &row.alternate_names.0),
            Self::Kind => |row, out| value(out, enums::PlaceKind::from(row.kind).to_value()),
            Self::CountryCode => {
                |row, out| json::write_optional_string(out, row.country_code.as_deref())
            }
            Self::Latitude => |row, out| value(out, row.latitude.to_value()),
            Self::Longitude => |row, out| value(out, row.longitude.to_value()),
            Self::NetworkCount
            | Self::EventCount
            | Self::Memberships(_)
            | Self::Networks(_)
            | Self::HostedEvents(_)
            | Self::AttendedEvents(_)
            | Self::TwinCities(_) => return None,
        };
        Some(writer)
    }
}

/// What the plan covers of `Network` (the member counts by country and kind, and `source`, are
/// left to the resolvers).
pub enum NetworkField {
    Id,
    Slug,
    Name,
    Acronym,
    Description,
    Topics,
    FoundedYear,
    FoundedIn(Selection<CityField>),
    ReportedMemberCount,
    ReportedMemberCountQualifier,
    AlternateNames,
    Memberships(ConnPlan<MembershipField, Nested<MembershipList, MembershipTerm>>),
    Members(ConnPlan<CityField, Nested<PlaceList, PlaceTerm>>),
    Events(ConnPlan<EventField, Nested<EventList, EventTerm>>),
}

impl FieldKind for NetworkField {
    type Entity = network::Entity;
    const TYPE: &'static str = "Network";
    const CONNECTION: &'static str = "NetworkConnection";
    const EDGE: &'static str = "NetworkEdge";

    fn plan(
        cx: &Cx<'_>,
        name: &str,
        group: &[&async_graphql::parser::types::Field],
    ) -> Option<Self> {
        Some(match name {
            "id" => Self::Id,
            "slug" => Self::Slug,
            "name" => Self::Name,
            "acronym" => Self::Acronym,
            "description" => Self::Description,
            "topics" => Self::Topics,
            "foundedYear" => Self::FoundedYear,
            "foundedIn" => Self::FoundedIn(cx.selection(group)?),
            "reportedMemberCount" => Self::ReportedMemberCount,
            "reportedMemberCountQualifier" => Self::ReportedMemberCountQualifier,
            "alternateNames" => Self::AlternateNames,
            "memberships" => {
                Self::Memberships(cx.nested::<_, MembershipFilter, MembershipOrder, _>(
                    group,
                    MembershipList::OfNetwork,
                )?)
            }
            "members" => Self::Members(
                cx.nested::<_, CityFilter, CityOrder, _>(group, PlaceList::MembersOfNetwork)?,
            ),
            "events" => Self::Events(
                cx.nested::<_, EventFilter, EventOrder, _>(group, EventList::OfNetwork)?,
            ),
            _ => return None,
        })
    }

    fn reads(&self) -> Option<network::Column> {
        use network::Column as C;
        Some(match self {
            Self::Slug => C::Slug,
            Self::Name => C::Name,
            Self::Acronym => C::Acronym,
            Self::Description => C::Description,
            Self::FoundedYear => C::FoundedYear,
            Self::FoundedIn(_) => C::FoundedInId,
            Self::ReportedMemberCount => C::ReportedMemberCount,
            Self::ReportedMemberCountQualifier => C::ReportedMemberCountQualifier,
            Self::AlternateNames => C::AlternateNames,
            Self::Id | Self::Topics | Self::Memberships(_) | Self::Members(_) | Self::Events(_) => {
                return None
            }
        })
    }

    fn column<'a>(
        &'a self,
        run: &'a Run<'a>,
        rows: &'a [&'a network::Model],
    ) -> BoxFuture<'a, Option<Vec<Json>>> {
        Box::pin(async move {
            let parents = || rows.iter().map(|row| row.id);
            match self {
                Self::Topics => topics(run, rows).await,
                Self::FoundedIn(selection) => {
                    let ids = rows.iter().map(|row| row.founded_in_id);
                    run::to_one(run, selection, ids.map(|id| id.map(PlaceId)), false).await
                }
                Self::Memberships(conn) => run::nested(run, conn, parents()).await,
                Self::Members(conn) => run::nested(run, conn, parents()).await,
                Self::Events(conn) => run::nested(run, conn, parents()).await,
                // Written from the row (`writer`): never asked for a column.
                _ => None,
            }
        })
    }

    fn writer(&self) -> Option<Writer<Self>> {
        let writer: Writer<Self> = match self {
            Self::Id => |row, out| json::write_id(out, NodeType::Network, row.id),
            Self::Slug => |row, out| json::write_string(out, &row.slug),
            Self::Name => |row, out| json::write_string(out, &row.name),
            Self::Acronym => |row, out| json::write_optional_string(out, row.acronym.as_deref()),
            Self::Description => {
                |row, out| json::write_optional_string(out, row.description.as_deref())
            }
            Self::FoundedYear => |row, out| value(out, row.founded_year.to_value()),
            Self::ReportedMemberCount => {
                |row, out| value(out, row.reported_member_count.to_value())
            }
            Self::ReportedMemberCountQualifier => |row, out| {
                let qualifier = row.reported_member_count_qualifier;
                value(out, qualifier.map(enums::CountQualifier::from).to_value())
            },
            Self::AlternateNames => |row, out| json::write_strings(out, &row.alternate_names.0),
            Self::Topics
            | Self::FoundedIn(_)
            | Self::Memberships(_)
            | Self::Members(_)
            | Self::Events(_) => return None,
        };
        Some(writer)
    }
}

/// Each network's topics, in one batch.
async fn topics(run: &Run<'_>, rows: &[&network::Model]) -> Option<Vec<Json>> {
    let keys: Vec<TopicsOf> = rows.iter().map(|row| TopicsOf(row.id)).collect();
    let found = run.load(keys.iter().copied()).await?;
    keys.iter()
        .map(|key| found.get(key).map_or_else(|| texts(&[]), |t| texts(t)))
        .collect()
}

/// What the plan covers of `Membership` (`evidence` and `source` are left to the resolvers).
pub enum MembershipField {
    Id,
    City(Selection<CityField>),
    Network(Selection<NetworkField>),
    Role,
    Since,
    RepresentedBy,
}

impl FieldKind for MembershipField {
    type Entity = membership::Entity;
    const TYPE: &'static str = "Membership";
    const CONNECTION: &'static str = "MembershipConnection";
    const EDGE: &'static str = "MembershipEdge";

    fn plan(
        cx: &Cx<'_>,
        name: &str,
        group: &[&async_graphql::parser::types::Field],
    ) -> Option<Self> {
        Some(match name {
            "id" => Self::Id,
            "city" => Self::City(cx.selection(group)?),
            "network" => Self::Network(cx.selection(group)?),
            "role" => Self::Role,
            "since" => Self::Since,
            "representedBy" => Self::RepresentedBy,
            _ => return None,
        })
    }

    fn reads(&self) -> Option<membership::Column> {
        use membership::Column as C;
        Some(match self {
            Self::City(_) => C::PlaceId,
            Self::Network(_) => C::NetworkId,
            Self::Role => C::Role,
            Self::Since => C::Since,
            Self::RepresentedBy => C::RepresentedBy,
            Self::Id => return None,
        })
    }

    fn column<'a>(
        &'a self,
        run: &'a Run<'a>,
        rows: &'a [&'a membership::Model],
    ) -> BoxFuture<'a, Option<Vec<Json>>> {
        Box::pin(async move {
            match self {
                Self::City(selection) => {
                    let ids = rows.iter().map(|row| Some(PlaceId(row.place_id)));
                    run::to_one(run, selection, ids, true).await
                }
                Self::Network(selection) => {
                    let ids = rows.iter().map(|row| Some(NetworkId(row.network_id)));
                    run::to_one(run, selection, ids, true).await
                }
                // Written from the row (`writer`): never asked for a column.
                _ => None,
            }
        })
    }

    fn writer(&self) -> Option<Writer<Self>> {
        let writer: Writer<Self> = match self {
            Self::Id => |row, out| json::write_id(out, NodeType::Membership, row.id),
            Self::Role => |row, out| value(out, enums::MembershipRole::from(row.role).to_value()),
            Self::Since => |row, out| value(out, row.since.to_value()),
            Self::RepresentedBy => {
                |row, out| json::write_optional_string(out, row.represented_by.as_deref())
            }
            Self::City(_) | Self::Network(_) => return None,
        };
        Some(writer)
    }
}

/// What the plan covers of `Event` (`evidence` and `source` are left to the resolvers).
pub enum EventField {
    Id,
    Kind,
    Title,
    Year,
    Topic,
    Network(Selection<NetworkField>),
    Host(Selection<CityField>),
    Participants(Box<ConnPlan<CityField, Nested<PlaceList, PlaceTerm>>>),
    ReportedParticipantCount,
}

impl FieldKind for EventField {
    type Entity = event::Entity;
    const TYPE: &'static str = "Event";
    const CONNECTION: &'static str = "EventConnection";
    const EDGE: &'static str = "EventEdge";

    fn plan(
        cx: &Cx<'_>,
        name: &str,
        group: &[&async_graphql::parser::types::Field],
    ) -> Option<Self> {
        Some(match name {
            "id" => Self::Id,
            "kind" => Self::Kind,
            "title" => Self::Title,
            "year" => Self::Year,
            "topic" => Self::Topic,
            "network" => Self::Network(cx.selection(group)?),
            "host" => Self::Host(cx.selection(group)?),
            "participants" => Self::Participants(Box::new(
                cx.nested::<_, CityFilter, CityOrder, _>(group, PlaceList::ParticipantsOfEvent)?,
            )),
            "reportedParticipantCount" => Self::ReportedParticipantCount,
            _ => return None,
        })
    }

    fn reads(&self) -> Option<event::Column> {
        use event::Column as C;
        Some(match self {
            Self::Kind => C::Kind,
            Self::Title => C::Title,
            Self::Year => C::Year,
            Self::Topic => C::Topic,
            Self::Network(_) => C::NetworkId,
            Self::Host(_) => C::HostId,
            Self::ReportedParticipantCount => C::ReportedParticipantCount,
            Self::Id | Self::Participants(_) => return None,
        })
    }

    fn column<'a>(
        &'a self,
        run: &'a Run<'a>,
        rows: &'a [&'a event::Model],
    ) -> BoxFuture<'a, Option<Vec<Json>>> {
        Box::pin(async move {
            match self {
                Self::Network(selection) => {
                    let ids = rows.iter().map(|row| Some(NetworkId(row.network_id)));
                    run::to_one(run, selection, ids, true).await
                }
                Self::Host(selection) => {
                    let ids = rows.iter().map(|row| row.host_id.map(PlaceId));
                    run::to_one(run, selection, ids, false).await
                }
                Self::Participants(conn) => {
                    run::nested(run, conn, rows.iter().map(|row| row.id)).await
                }
                // Written from the row (`writer`): never asked for a column.
                _ => None,
            }
        })
    }

    fn writer(&self) -> Option<Writer<Self>> {
        let writer: Writer<Self> = match self {
            Self::Id => |row, out| json::write_id(out, NodeType::Event, row.id),
            Self::Kind => |row, out| value(out, enums::EventKind::from(row.kind).to_value()),
            Self::Title => |row, out| json::write_string(out, &row.title),
            Self::Year => |row, out| value(out, row.year.to_value()),
            Self::Topic => |row, out| json::write_optional_string(out, row.topic.as_deref()),
            Self::ReportedParticipantCount => {
                |row, out| value(out, row.reported_participant_count.to_value())
            }
            Self::Network(_) | Self::Host(_) | Self::Participants(_) => return None,
        };
        Some(writer)
    }
}
