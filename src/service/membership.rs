//! Memberships (a place belongs to a network): create, update, delete. A place belongs to a
//! network at most once; the place and the network of a membership never change.

use entity::{membership, network, place};
use sea_orm::{ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter};

use super::{
    existing::existing,
    rows::{self, MembershipValues},
    Edit,
};
use crate::{
    changes::{Action, Change},
    domain::{Evidence, InputPath, Representative, Year},
    error::{AppError, AppResult},
};

/// A membership to record.
#[derive(Clone, Debug)]
pub struct NewMembership {
    pub place_id: i32,
    pub network_id: i32,
    pub role: membership::MembershipRole,
    pub since: Option<Year>,
    pub represented_by: Option<Representative>,
    pub evidence: Option<Evidence>,
}

/// Changes to a membership.
#[derive(Clone, Debug, Default)]
pub struct MembershipUpdate {
    pub role: Edit<membership::MembershipRole>,
    pub since: Edit<Option<Year>>,
    pub represented_by: Edit<Option<Representative>>,
    pub evidence: Edit<Option<Evidence>>,
}

/// Records a membership (`CONFLICT` if the place already belongs to the network; the message
/// names the existing membership by `describe_existing`, the front end's way of naming it).
#[tracing::instrument(skip(db, describe_existing))]
pub async fn create(
    db: &DatabaseTransaction,
    new: NewMembership,
    at: &InputPath,
    describe_existing: impl FnOnce(i32) -> String,
) -> AppResult<(membership::Model, Vec<Change>)> {
    let place = existing::<place::Entity, _>(db, &at.field("cityId"), new.place_id).await?;
    let network =
        existing::<network::Entity, _>(db, &at.field("networkId"), new.network_id).await?;
    let duplicate = membership::Entity::find()
        .filter(membership::Column::PlaceId.eq(new.place_id))
        .filter(membership::Column::NetworkId.eq(new.network_id))
        .one(db)
        .await?;
    if let Some(duplicate) = duplicate {
        return Err(AppError::Conflict(format!(
            "{} is already a member of {} (membership {}).",
            place.name,
            network.name,
            describe_existing(duplicate.id)
        )));
    }
    let membership = rows::insert_membership(
        db,
        MembershipValues {
            place_id: new.place_id,
            network_id: new.network_id,
            role: new.role,
            since: new.since.map(Year::value),
            represented_by: new.represented_by.map(Representative::into_inner),
            source_id: None,
            evidence: evidence_columns(new.evidence),
        },
    )
    .await?;
    let change = Change::Membership {
        action: Action::Created,
        membership: membership.clone(),
    };
    Ok((membership, vec![change]))
}

/// Changes the membership `id`.
#[tracing::instrument(skip(db))]
pub async fn update(
    db: &DatabaseTransaction,
    id: i32,
    edit: MembershipUpdate,
    at: &InputPath,
) -> AppResult<(membership::Model, Vec<Change>)> {
    let current = existing::<membership::Entity, _>(db, &at.field("id"), id).await?;
    let current_values = MembershipValues::of(&current);
    let values = MembershipValues {
        role: edit.role.apply(current.role),
        since: edit
            .since
            .map(|year| year.map(Year::value))
            .apply(current.since),
        represented_by: edit
            .represented_by
            .map(|text| text.map(Representative::into_inner))
            .apply(current.represented_by),
        evidence: edit
            .evidence
            .map(evidence_columns)
            .apply(current_values.evidence.clone()),
        ..current_values
    };
    let membership = rows::update_membership(db, id, values).await?;
    let change = Change::Membership {
        action: Action::Updated,
        membership: membership.clone(),
    };
    Ok((membership, vec![change]))
}

/// Deletes the membership `id`. Returns it as it was.
#[tracing::instrument(skip(db))]
pub async fn delete(
    db: &DatabaseTransaction,
    id: i32,
    at: &InputPath,
) -> AppResult<(membership::Model, Vec<Change>)> {
    let membership = existing::<membership::Entity, _>(db, &at.field("id"), id).await?;
    membership::Entity::delete_by_id(id).exec(db).await?;
    let change = Change::Membership {
        action: Action::Deleted,
        membership: membership.clone(),
    };
    Ok((membership, vec![change]))
}

/// A record's evidence as its two columns (both empty for none).
pub(super) fn evidence_columns(
    evidence: Option<Evidence>,
) -> (Option<entity::statement::EvidenceKind>, Option<String>) {
    evidence.map_or((None, None), |evidence| {
        let (kind, quote) = evidence.into_columns();
        (Some(kind), quote)
    })
}
