//! `createNetwork`, `updateNetwork`, `deleteNetwork`: the GraphQL face of
//! [`crate::service::network`].

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::{at_input, authorize, given, input::row_id, unless_null, updated_with, Write};
use crate::{
    domain::{Acronym, AlternateNameList, Count, Description, Name, Slug, Topics, Year},
    error::AppResult,
    schema::{
        enums::CountQualifier,
        ids::{self, NodeType},
        Network,
    },
    service::network::{self, NetworkUpdate, NewNetwork},
};

/// A network to add with `createNetwork`.
#[derive(InputObject)]
pub struct CreateNetworkInput {
    /// The network's full name, e.g. "Union of the Baltic Cities": at most 200 characters,
    /// trimmed, no control characters.
    name: String,
    /// Defaults to the name in slug form, with "-2", "-3", … appended if taken. A given slug must
    /// be lowercase ASCII words joined by `-`, at most 100 characters, and free (`CONFLICT` otherwise).
    slug: Option<String>,
    /// The usual abbreviation, e.g. "UBC": at most 32 characters; empty means none.
    acronym: Option<String>,
    /// What the network is and does, in plain text: at most 5 000 characters; empty means none.
    description: Option<String>,
    /// Short lowercase tags (stored trimmed and in lowercase), e.g. ["climate", "peace"]: at most
    /// 20, each at most 60 characters, none twice.
    #[graphql(default)]
    topics: Vec<String>,
    /// The year the network was founded, from 1800 to the current year.
    founded_year: Option<i32>,
    /// The `City` the network was founded in.
    founded_in_id: Option<ID>,
    /// The member count a source states; not negative.
    reported_member_count: Option<i32>,
    /// How the source qualifies that count ("about 100": `ABOUT`); needs
    /// `reportedMemberCount`.
    reported_member_count_qualifier: Option<CountQualifier>,
    /// Other names and spellings, searchable, e.g. ["Union der Ostseestädte"]: at most 20, each a
    /// valid name, none twice.
    #[graphql(default)]
    alternate_names: Vec<String>,
}

/// The result of `createNetwork`.
#[derive(SimpleObject)]
pub struct CreateNetworkPayload {
    /// The new network.
    network: Network,
}

/// Changes to a network, for `updateNetwork`. Fields left out stay as they are; `null` clears a
/// nullable field; `topics` replaces the whole list when given. The rules for each value are
/// those of `CreateNetworkInput`.
#[derive(InputObject)]
pub struct UpdateNetworkInput {
    /// The global id of the network to change.
    id: ID,
    /// The new name; cannot be null.
    name: MaybeUndefined<String>,
    /// The new slug: lowercase ASCII words joined by `-`, at most 100 characters, not another network's (`CONFLICT`); cannot be null.
    slug: MaybeUndefined<String>,
    /// The new acronym; null or empty clears it.
    acronym: MaybeUndefined<String>,
    /// The new description; null or empty clears it.
    description: MaybeUndefined<String>,
    /// The new topics, replacing all the current ones (`[]` removes them); cannot be null.
    topics: MaybeUndefined<Vec<String>>,
    /// The new founding year.
    founded_year: MaybeUndefined<i32>,
    /// The global id of the new founding `City`.
    founded_in_id: MaybeUndefined<ID>,
    /// The new reported member count; null clears it, and its qualifier with it.
    reported_member_count: MaybeUndefined<i32>,
    /// The new qualifier of the count; null clears it.
    reported_member_count_qualifier: MaybeUndefined<CountQualifier>,
    /// The new other names, replacing all the current ones (`[]` removes them); cannot be null.
    alternate_names: MaybeUndefined<Vec<String>>,
}

/// The result of `updateNetwork`.
#[derive(SimpleObject)]
pub struct UpdateNetworkPayload {
    /// The network as changed.
    network: Network,
}

/// The network to delete with `deleteNetwork`.
#[derive(InputObject)]
pub struct DeleteNetworkInput {
    /// The global id of the network to delete.
    id: ID,
    /// A network that still has memberships or events is not deleted unless this is true; then
    /// its memberships and events (with their participants) are deleted with it.
    #[graphql(default)]
    cascade: bool,
}

/// The result of `deleteNetwork`.
#[derive(SimpleObject)]
pub struct DeleteNetworkPayload {
    /// The global id the deleted network had.
    deleted_network_id: ID,
}

#[derive(Default)]
pub struct NetworkMutation;

#[Object]
impl NetworkMutation {
    /// Adds a network.
    async fn create_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The network to add.")] input: CreateNetworkInput,
    ) -> Option<Result<CreateNetworkPayload>> {
        Some(create_network(ctx, input).await)
    }

    /// Changes a network's attributes or topics.
    async fn update_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The network to change, and how.")] input: UpdateNetworkInput,
    ) -> Option<Result<UpdateNetworkPayload>> {
        Some(update_network(ctx, input).await)
    }

    /// Deletes a network; see `DeleteNetworkInput.cascade`.
    async fn delete_network(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The network to delete.")] input: DeleteNetworkInput,
    ) -> Option<Result<DeleteNetworkPayload>> {
        Some(delete_network(ctx, input).await)
    }
}

async fn create_network(
    ctx: &Context<'_>,
    input: CreateNetworkInput,
) -> Result<CreateNetworkPayload> {
    authorize(ctx)?;
    let new = new_network(input)?;
    let mut write = Write::begin(ctx).await?;
    let (network, changes) = network::create(write.db(), new, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(CreateNetworkPayload {
        network: Network(network),
    })
}

async fn update_network(
    ctx: &Context<'_>,
    input: UpdateNetworkInput,
) -> Result<UpdateNetworkPayload> {
    authorize(ctx)?;
    let id = row_id("input.id", &input.id, NodeType::Network)?;
    let edit = network_update(input)?;
    let mut write = Write::begin(ctx).await?;
    let (network, changes) = network::update(write.db(), id, edit, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(UpdateNetworkPayload {
        network: Network(network),
    })
}

async fn delete_network(
    ctx: &Context<'_>,
    input: DeleteNetworkInput,
) -> Result<DeleteNetworkPayload> {
    authorize(ctx)?;
    let id = row_id("input.id", &input.id, NodeType::Network)?;
    let mut write = Write::begin(ctx).await?;
    let (_, changes) = network::delete(write.db(), id, input.cascade, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(DeleteNetworkPayload {
        deleted_network_id: ids::encode(NodeType::Network, id),
    })
}

fn new_network(input: CreateNetworkInput) -> AppResult<NewNetwork> {
    Ok(NewNetwork {
        name: Name::parse("input.name", &input.name)?,
        slug: given(input.slug, |slug| Slug::parse("input.slug", &slug))?,
        acronym: Acronym::parse_optional("input.acronym", input.acronym.as_deref())?,
        description: Description::parse_optional(
            "input.description",
            input.description.as_deref(),
        )?,
        founded_year: given(input.founded_year, |year| {
            Year::parse("input.foundedYear", year)
        })?,
        founded_in_id: given(input.founded_in_id, |id| {
            row_id("input.foundedInId", &id, NodeType::City)
        })?,
        reported_member_count: given(input.reported_member_count, |n| {
            Count::parse("input.reportedMemberCount", n)
        })?,
        reported_member_count_qualifier: input.reported_member_count_qualifier.map(Into::into),
        topics: Topics::parse("input.topics", &input.topics)?,
        alternate_names: AlternateNameList::parse("input.alternateNames", &input.alternate_names)?,
    })
}

fn network_update(input: UpdateNetworkInput) -> AppResult<NetworkUpdate> {
    Ok(NetworkUpdate {
        name: unless_null("input.name", input.name, |name| {
            Name::parse("input.name", &name)
        })?,
        slug: unless_null("input.slug", input.slug, |slug| {
            Slug::parse("input.slug", &slug)
        })?,
        topics: unless_null("input.topics", input.topics, |tags| {
            Topics::parse("input.topics", &tags)
        })?,
        acronym: updated_with(input.acronym, |text| {
            Acronym::parse_optional("input.acronym", Some(&text))
        })?,
        description: updated_with(input.description, |text| {
            Description::parse_optional("input.description", Some(&text))
        })?,
        founded_year: updated_with(input.founded_year, |year| {
            Year::parse("input.foundedYear", year).map(Some)
        })?,
        founded_in_id: updated_with(input.founded_in_id, |id| {
            row_id("input.foundedInId", &id, NodeType::City).map(Some)
        })?,
        reported_member_count: updated_with(input.reported_member_count, |n| {
            Count::parse("input.reportedMemberCount", n).map(Some)
        })?,
        reported_member_count_qualifier: updated_with(
            input.reported_member_count_qualifier,
            |qualifier| Ok(Some(qualifier.into())),
        )?,
        alternate_names: unless_null("input.alternateNames", input.alternate_names, |names| {
            AlternateNameList::parse("input.alternateNames", &names)
        })?,
    })
}
