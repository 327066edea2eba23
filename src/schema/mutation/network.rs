//! `createNetwork`, `updateNetwork`, `deleteNetwork`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use entity::{event, fold, membership, network, network_topic, place};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, NotSet,
    QueryFilter,
};

use super::{
    authorize,
    event::{event_change, Concerned},
    input::{self, changed_slug, existing, insert_with_slug},
    still_referenced, unless_null, updated_with, Write,
};
use crate::{
    changes::{Action, Change},
    error::{AppError, AppResult},
    schema::{
        ids::{self, NodeType},
        Network,
    },
    search,
};

const MAX_NAME: usize = 200;
const MAX_ACRONYM: usize = 32;
const MAX_DESCRIPTION: usize = 5_000;
const MAX_TOPICS: usize = 20;
const MAX_TOPIC: usize = 60;

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
    /// The new reported member count.
    reported_member_count: MaybeUndefined<i32>,
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
    let name = input::text("input.name", &input.name, MAX_NAME)?;
    let values = NetworkValues {
        acronym: input::optional_text("input.acronym", input.acronym.as_deref(), MAX_ACRONYM)?,
        description: input::optional_text(
            "input.description",
            input.description.as_deref(),
            MAX_DESCRIPTION,
        )?,
        founded_year: input::year("input.foundedYear", input.founded_year)?,
        founded_in_id: input
            .founded_in_id
            .as_ref()
            .map(|id| input::row_id("input.foundedInId", id, NodeType::City))
            .transpose()?,
        reported_member_count: input::count(
            "input.reportedMemberCount",
            input.reported_member_count,
        )?,
        name,
    };
    let topics = topics(&input.topics)?;
    let mut write = Write::begin(ctx).await?;
    values.check_references(write.db()).await?;
    let network = insert_with_slug::<network::Entity, _>(
        write.db(),
        network::Column::Slug,
        input.slug.as_deref(),
        &values.name,
        |slug| values.clone().into_active(NotSet, slug, None),
    )
    .await?;
    replace_topics(write.db(), network.id, &topics).await?;
    search::reindex_one(write.db(), search::network_entry(&network, &topics))
        .await
        .map_err(AppError::from)?;
    write.record(Change::Network {
        action: Action::Created,
        network: network.clone(),
    });
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
    let name = unless_null("input.name", input.name)?;
    let slug = unless_null("input.slug", input.slug)?;
    let tags = unless_null("input.topics", input.topics)?;
    let id = input::row_id("input.id", &input.id, NodeType::Network)?;
    let new_topics = tags.as_deref().map(topics).transpose()?;
    let mut write = Write::begin(ctx).await?;
    let current = existing::<network::Entity, _>(write.db(), "input.id", id).await?;
    let slug = changed_slug::<network::Entity, _>(
        write.db(),
        network::Column::Slug,
        slug.as_deref(),
        &current.slug,
    )
    .await?;
    let values = NetworkValues {
        name: match &name {
            Some(name) => input::text("input.name", name, MAX_NAME)?,
            None => current.name.clone(),
        },
        acronym: updated_with(input.acronym, current.acronym.clone(), |text| {
            input::optional_text("input.acronym", Some(&text), MAX_ACRONYM)
        })?,
        description: updated_with(input.description, current.description.clone(), |text| {
            input::optional_text("input.description", Some(&text), MAX_DESCRIPTION)
        })?,
        founded_year: updated_with(input.founded_year, current.founded_year, |year| {
            input::year("input.foundedYear", Some(year))
        })?,
        founded_in_id: updated_with(input.founded_in_id, current.founded_in_id, |id| {
            input::row_id("input.foundedInId", &id, NodeType::City).map(Some)
        })?,
        reported_member_count: updated_with(
            input.reported_member_count,
            current.reported_member_count,
            |n| input::count("input.reportedMemberCount", Some(n)),
        )?,
    };
    values.check_references(write.db()).await?;
    let network = values
        .into_active(Set(id), slug, current.source_id)
        .update(write.db())
        .await
        .map_err(AppError::from)?;
    let topics = match new_topics {
        Some(topics) => {
            replace_topics(write.db(), id, &topics).await?;
            topics
        }
        None => current_topics(write.db(), id).await?,
    };
    search::reindex_one(write.db(), search::network_entry(&network, &topics))
        .await
        .map_err(AppError::from)?;
    write.record(Change::Network {
        action: Action::Updated,
        network: network.clone(),
    });
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
    let id = input::row_id("input.id", &input.id, NodeType::Network)?;
    let mut write = Write::begin(ctx).await?;
    let network = existing::<network::Entity, _>(write.db(), "input.id", id).await?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::NetworkId.eq(id))
        .all(write.db())
        .await
        .map_err(AppError::from)?;
    let events = event::Entity::find()
        .filter(event::Column::NetworkId.eq(id))
        .all(write.db())
        .await
        .map_err(AppError::from)?;
    if !input.cascade {
        let references = [
            (memberships.len() as u64, "membership(s)"),
            (events.len() as u64, "event(s)"),
        ];
        if let Some(refusal) = still_referenced(&network.name, &references) {
            return Err(refusal.into());
        }
    }
    // Announced as they were before the delete, with their places for filtering.
    let mut event_changes = Vec::with_capacity(events.len());
    for event in events {
        search::remove(write.db(), search::Kind::Event, event.id)
            .await
            .map_err(AppError::from)?;
        event_changes
            .push(event_change(write.db(), Action::Deleted, event, Concerned::default()).await?);
    }
    network::Entity::delete_by_id(id)
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    search::remove(write.db(), search::Kind::Network, id)
        .await
        .map_err(AppError::from)?;
    for membership in memberships {
        write.record(Change::Membership {
            action: Action::Deleted,
            membership,
        });
    }
    for change in event_changes {
        write.record(change);
    }
    write.record(Change::Network {
        action: Action::Deleted,
        network,
    });
    write.commit(ctx).await?;
    Ok(DeleteNetworkPayload {
        deleted_network_id: ids::encode(NodeType::Network, id),
    })
}

/// A network's checked attributes, as written by create and update.
#[derive(Clone)]
struct NetworkValues {
    name: String,
    acronym: Option<String>,
    description: Option<String>,
    founded_year: Option<i32>,
    founded_in_id: Option<i32>,
    reported_member_count: Option<i32>,
}

impl NetworkValues {
    /// The founding place must exist.
    async fn check_references<C: ConnectionTrait>(&self, db: &C) -> AppResult<()> {
        if let Some(place_id) = self.founded_in_id {
            existing::<place::Entity, _>(db, "input.foundedInId", place_id).await?;
        }
        Ok(())
    }

    fn into_active(
        self,
        id: sea_orm::ActiveValue<i32>,
        slug: String,
        source_id: Option<i32>,
    ) -> network::ActiveModel {
        network::ActiveModel {
            id,
            slug: Set(slug),
            name_folded: Set(fold(&self.name)),
            name: Set(self.name),
            acronym: Set(self.acronym),
            description: Set(self.description),
            founded_year: Set(self.founded_year),
            founded_in_id: Set(self.founded_in_id),
            reported_member_count: Set(self.reported_member_count),
            source_id: Set(source_id),
        }
    }
}

/// Topic tags: trimmed, lowercase, not empty, no repeats, at most [`MAX_TOPICS`].
fn topics(tags: &[String]) -> AppResult<Vec<String>> {
    if tags.len() > MAX_TOPICS {
        return Err(AppError::BadUserInput(format!(
            "`input.topics` may hold at most {MAX_TOPICS} tags."
        ))
        .at("input.topics"));
    }
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for (index, tag) in tags.iter().enumerate() {
        let field = format!("input.topics[{index}]");
        let tag = input::text(&field, tag, MAX_TOPIC)?.to_lowercase();
        if checked.contains(&tag) {
            return Err(
                AppError::BadUserInput(format!("The topic {tag:?} is listed twice.")).at(field),
            );
        }
        checked.push(tag);
    }
    Ok(checked)
}

async fn replace_topics<C: ConnectionTrait>(
    db: &C,
    network_id: i32,
    topics: &[String],
) -> AppResult<()> {
    network_topic::Entity::delete_many()
        .filter(network_topic::Column::NetworkId.eq(network_id))
        .exec(db)
        .await?;
    if topics.is_empty() {
        return Ok(());
    }
    let rows = topics
        .iter()
        .zip(0..)
        .map(|(topic, position)| network_topic::ActiveModel {
            network_id: Set(network_id),
            topic: Set(topic.clone()),
            position: Set(position),
        });
    network_topic::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

async fn current_topics<C: ConnectionTrait>(db: &C, network_id: i32) -> AppResult<Vec<String>> {
    use sea_orm::QueryOrder;
    Ok(network_topic::Entity::find()
        .filter(network_topic::Column::NetworkId.eq(network_id))
        .order_by_asc(network_topic::Column::Position)
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.topic)
        .collect())
}
