//! `createMembership`, `updateMembership`, `deleteMembership`.

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};
use entity::{membership, network, place};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, NotSet, QueryFilter};

use super::{
    authorize,
    input::{self, existing},
    unless_null, updated_with, Write,
};
use crate::{
    changes::{Action, Change},
    error::AppError,
    schema::{
        ids::{self, NodeType},
        membership::MembershipRole,
        Membership,
    },
};

const MAX_REPRESENTED_BY: usize = 200;

/// A membership to record with `createMembership`.
#[derive(InputObject)]
pub struct CreateMembershipInput {
    /// The member `City`.
    city_id: ID,
    /// The global id of the `Network`.
    network_id: ID,
    /// The part the member plays in the network.
    #[graphql(default_with = "MembershipRole::Member")]
    role: MembershipRole,
    /// The year the membership began (1800 to the current year).
    since: Option<i32>,
    /// Who represents the member, e.g. "Rostock Fire Department": at most 200 characters; empty
    /// means no one.
    represented_by: Option<String>,
}

/// The result of `createMembership`.
#[derive(SimpleObject)]
pub struct CreateMembershipPayload {
    /// The new membership.
    membership: Membership,
}

/// Changes to a membership, for `updateMembership`. Fields left out stay as they are; `null`
/// clears a nullable field. The city and network of a membership do not change: delete it and
/// create another.
#[derive(InputObject)]
pub struct UpdateMembershipInput {
    /// The global id of the membership to change.
    id: ID,
    /// The new role; cannot be null.
    role: MaybeUndefined<MembershipRole>,
    /// The new start year (1800 to the current year).
    since: MaybeUndefined<i32>,
    /// The new representative (at most 200 characters); null or empty clears it.
    represented_by: MaybeUndefined<String>,
}

/// The result of `updateMembership`.
#[derive(SimpleObject)]
pub struct UpdateMembershipPayload {
    /// The membership as changed.
    membership: Membership,
}

/// The membership to delete with `deleteMembership`.
#[derive(InputObject)]
pub struct DeleteMembershipInput {
    /// The global id of the membership to delete.
    id: ID,
}

/// The result of `deleteMembership`.
#[derive(SimpleObject)]
pub struct DeleteMembershipPayload {
    /// The global id the deleted membership had.
    deleted_membership_id: ID,
}

#[derive(Default)]
pub struct MembershipMutation;

#[Object]
impl MembershipMutation {
    /// Records that a place belongs to a network. A place belongs to a network at most once
    /// (`CONFLICT` otherwise).
    async fn create_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to record.")] input: CreateMembershipInput,
    ) -> Option<Result<CreateMembershipPayload>> {
        Some(create_membership(ctx, input).await)
    }

    /// Changes a membership's role, start year or representative.
    async fn update_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to change, and how.")] input: UpdateMembershipInput,
    ) -> Option<Result<UpdateMembershipPayload>> {
        Some(update_membership(ctx, input).await)
    }

    /// Ends a membership (deletes its record).
    async fn delete_membership(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The membership to delete.")] input: DeleteMembershipInput,
    ) -> Option<Result<DeleteMembershipPayload>> {
        Some(delete_membership(ctx, input).await)
    }
}

async fn create_membership(
    ctx: &Context<'_>,
    input: CreateMembershipInput,
) -> Result<CreateMembershipPayload> {
    authorize(ctx)?;
    let place_id = input::row_id("input.cityId", &input.city_id, NodeType::City)?;
    let network_id = input::row_id("input.networkId", &input.network_id, NodeType::Network)?;
    let since = input::year("input.since", input.since)?;
    let represented_by = input::optional_text(
        "input.representedBy",
        input.represented_by.as_deref(),
        MAX_REPRESENTED_BY,
    )?;
    let mut write = Write::begin(ctx).await?;
    let place = existing::<place::Entity, _>(write.db(), "input.cityId", place_id).await?;
    let network = existing::<network::Entity, _>(write.db(), "input.networkId", network_id).await?;
    let duplicate = membership::Entity::find()
        .filter(membership::Column::PlaceId.eq(place_id))
        .filter(membership::Column::NetworkId.eq(network_id))
        .one(write.db())
        .await
        .map_err(AppError::from)?;
    if let Some(duplicate) = duplicate {
        return Err(AppError::Conflict(format!(
            "{} is already a member of {} (membership {}).",
            place.name,
            network.name,
            ids::encode(NodeType::Membership, duplicate.id).0
        ))
        .into());
    }
    let membership = membership::ActiveModel {
        id: NotSet,
        place_id: Set(place_id),
        network_id: Set(network_id),
        role: Set(input.role.into()),
        since: Set(since),
        represented_by: Set(represented_by),
        source_id: Set(None),
    }
    .insert(write.db())
    .await
    .map_err(AppError::from)?;
    write.record(Change::Membership {
        action: Action::Created,
        membership: membership.clone(),
    });
    write.commit(ctx).await?;
    Ok(CreateMembershipPayload {
        membership: Membership(membership),
    })
}

async fn update_membership(
    ctx: &Context<'_>,
    input: UpdateMembershipInput,
) -> Result<UpdateMembershipPayload> {
    authorize(ctx)?;
    let role = unless_null("input.role", input.role)?;
    let id = input::row_id("input.id", &input.id, NodeType::Membership)?;
    let mut write = Write::begin(ctx).await?;
    let current = existing::<membership::Entity, _>(write.db(), "input.id", id).await?;
    let mut active: membership::ActiveModel = current.clone().into();
    active.role = Set(role.map(Into::into).unwrap_or(current.role));
    active.since = Set(updated_with(input.since, current.since, |year| {
        input::year("input.since", Some(year))
    })?);
    active.represented_by = Set(updated_with(
        input.represented_by,
        current.represented_by,
        |text| input::optional_text("input.representedBy", Some(&text), MAX_REPRESENTED_BY),
    )?);
    let membership = active.update(write.db()).await.map_err(AppError::from)?;
    write.record(Change::Membership {
        action: Action::Updated,
        membership: membership.clone(),
    });
    write.commit(ctx).await?;
    Ok(UpdateMembershipPayload {
        membership: Membership(membership),
    })
}

async fn delete_membership(
    ctx: &Context<'_>,
    input: DeleteMembershipInput,
) -> Result<DeleteMembershipPayload> {
    authorize(ctx)?;
    let id = input::row_id("input.id", &input.id, NodeType::Membership)?;
    let mut write = Write::begin(ctx).await?;
    let membership = existing::<membership::Entity, _>(write.db(), "input.id", id).await?;
    membership::Entity::delete_by_id(id)
        .exec(write.db())
        .await
        .map_err(AppError::from)?;
    write.record(Change::Membership {
        action: Action::Deleted,
        membership,
    });
    write.commit(ctx).await?;
    Ok(DeleteMembershipPayload {
        deleted_membership_id: ids::encode(NodeType::Membership, id),
    })
}
