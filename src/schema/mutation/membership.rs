//! `createMembership`, `updateMembership`, `deleteMembership`: the GraphQL face of
//! [`crate::service::membership`].

use async_graphql::{Context, InputObject, MaybeUndefined, Object, Result, SimpleObject, ID};

use super::{at_input, authorize, given, input::row_id, unless_null, updated_with, Write};
use crate::schema::statement::EvidenceInput;
use crate::{
    domain::{Representative, Year},
    error::AppResult,
    schema::{
        enums::MembershipRole,
        ids::{self, NodeType},
        Membership,
    },
    service::membership::{self, MembershipUpdate, NewMembership},
};

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
    /// What the membership rests on in its source: the sentence stating it, or that the page
    /// lists it.
    evidence: Option<EvidenceInput>,
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
    /// The new evidence; null clears it.
    evidence: MaybeUndefined<EvidenceInput>,
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
    let new = new_membership(input)?;
    let mut write = Write::begin(ctx).await?;
    let (membership, changes) =
        membership::create(write.db(), new, &at_input(), global_membership_id).await?;
    write.record(changes);
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
    let id = row_id("input.id", &input.id, NodeType::Membership)?;
    let edit = membership_update(input)?;
    let mut write = Write::begin(ctx).await?;
    let (membership, changes) = membership::update(write.db(), id, edit, &at_input()).await?;
    write.record(changes);
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
    let id = row_id("input.id", &input.id, NodeType::Membership)?;
    let mut write = Write::begin(ctx).await?;
    let (_, changes) = membership::delete(write.db(), id, &at_input()).await?;
    write.record(changes);
    write.commit(ctx).await?;
    Ok(DeleteMembershipPayload {
        deleted_membership_id: ids::encode(NodeType::Membership, id),
    })
}

/// How a `CONFLICT` names an existing membership: by its global id.
fn global_membership_id(row: i32) -> String {
    ids::encode(NodeType::Membership, row).0
}

fn new_membership(input: CreateMembershipInput) -> AppResult<NewMembership> {
    Ok(NewMembership {
        place_id: row_id("input.cityId", &input.city_id, NodeType::City)?,
        network_id: row_id("input.networkId", &input.network_id, NodeType::Network)?,
        role: input.role.into(),
        since: given(input.since, |year| Year::parse("input.since", year))?,
        represented_by: Representative::parse_optional(
            "input.representedBy",
            input.represented_by.as_deref(),
        )?,
        evidence: given(input.evidence, |evidence| evidence.parse("input.evidence"))?,
    })
}

fn membership_update(input: UpdateMembershipInput) -> AppResult<MembershipUpdate> {
    Ok(MembershipUpdate {
        role: unless_null("input.role", input.role, |role| Ok(role.into()))?,
        since: updated_with(input.since, |year| {
            Year::parse("input.since", year).map(Some)
        })?,
        represented_by: updated_with(input.represented_by, |text| {
            Representative::parse_optional("input.representedBy", Some(&text))
        })?,
        evidence: updated_with(input.evidence, |evidence| {
            evidence.parse("input.evidence").map(Some)
        })?,
    })
}
