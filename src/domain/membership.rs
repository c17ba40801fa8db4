//! Accounts and organization membership: who may manage whom. Membership is granted, never
//! claimed: a person asks to join (or is invited), and an organization's admin or a platform
//! admin decides. These rules are pure; `accounts/` applies them to the tables.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Actor, DomainError, Role};

/// A removed account keeps its id (events name it) but no personal data and no way in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccountStatus {
    Active,
    Disabled,
    Removed,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

/// What the account audit records.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::Display,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AuditAction {
    Created,
    MembershipRequested,
    MembershipApproved,
    MembershipRejected,
    MembershipWithdrawn,
    Invited,
    InvitationRevoked,
    InvitationAccepted,
    MemberRemoved,
    OrganizationAdminGranted,
    OrganizationAdminRevoked,
    RoleChanged,
    Disabled,
    Enabled,
    PasswordChangeForced,
    PasswordChanged,
    PasswordResetIssued,
    PasswordReset,
    Removed,
}

crate::codes!(AccountStatus, RequestStatus, AuditAction);

/// What the rules need to know about the person acting, beyond the [`Actor`]: whether they hold
/// their organization's member-management right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Manager {
    pub actor: Actor,
    pub organization_admin: bool,
}

impl Manager {
    /// A platform admin manages every organization; an organization's `institution_admin` (the
    /// technology-transfer office) or a member flagged as its admin manages that one.
    pub fn manages(&self, organization_id: Uuid) -> bool {
        self.actor.role == Role::PlatformAdmin
            || (self.actor.belongs_to(Some(organization_id))
                && (self.organization_admin || self.actor.role == Role::InstitutionAdmin))
    }

    /// 404 for an organization the caller has nothing to do with, 403 for a member who may not
    /// manage it: outsiders learn nothing, members learn what they lack.
    pub fn require_manages(&self, organization_id: Uuid) -> Result<(), DomainError> {
        if self.manages(organization_id) {
            Ok(())
        } else if self.actor.belongs_to(Some(organization_id)) {
            Err(DomainError::forbidden(
                "only the organization's admins may manage its members",
            ))
        } else {
            Err(DomainError::NotFound)
        }
    }
}

/// The facts about a person that decide whether they may join an organization now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joiner {
    pub status: AccountStatus,
    pub organization_id: Option<Uuid>,
}

impl Joiner {
    /// One organization per person: they leave (or are removed from) one before joining another.
    pub fn may_join(&self, organization_id: Uuid) -> Result<(), DomainError> {
        match (self.status, self.organization_id) {
            (AccountStatus::Active, None) => Ok(()),
            (AccountStatus::Active, Some(o)) if o == organization_id => Err(DomainError::conflict(
                "already a member of this organization",
            )),
            (AccountStatus::Active, Some(_)) => Err(DomainError::conflict(
                "already a member of another organization; leave it first",
            )),
            (status, _) => Err(DomainError::conflict(format!(
                "the account is {status} and cannot join an organization"
            ))),
        }
    }
}

/// A pending request can be decided or withdrawn once.
pub fn require_pending(status: RequestStatus) -> Result<(), DomainError> {
    if status == RequestStatus::Pending {
        Ok(())
    } else {
        Err(DomainError::conflict(format!(
            "the request is already {status}"
        )))
    }
}

/// Why an invitation cannot be accepted, if it cannot.
pub fn check_invitation(
    expired: bool,
    accepted: bool,
    revoked: bool,
    invited_email: &str,
    accepting_email: &str,
) -> Result<(), DomainError> {
    if accepted {
        return Err(DomainError::conflict(
            "the invitation has already been used",
        ));
    }
    if revoked {
        return Err(DomainError::conflict("the invitation was revoked"));
    }
    if expired {
        return Err(DomainError::conflict(
            "the invitation has expired; ask for a new one",
        ));
    }
    if !invited_email.eq_ignore_ascii_case(accepting_email) {
        return Err(DomainError::forbidden(
            "the invitation was sent to another e-mail address",
        ));
    }
    Ok(())
}

/// The platform must keep at least one active platform admin: nobody may demote, disable or
/// remove the last one (which would lock every operator out but the CLI).
pub fn keeps_an_admin(
    target_role: Role,
    active_platform_admins: i64,
    target_active: bool,
) -> Result<(), DomainError> {
    if target_role == Role::PlatformAdmin && target_active && active_platform_admins <= 1 {
        Err(DomainError::conflict(
            "this is the last active platform admin; make another one first",
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::assert_serde_agrees;

    fn actor(role: Role, org: Option<Uuid>) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role,
            organization_id: org,
        }
    }

    #[test]
    fn who_manages_an_organization() {
        let org = Uuid::now_v7();
        let other = Uuid::now_v7();
        let m = |role, o, flag| Manager {
            actor: actor(role, o),
            organization_admin: flag,
        };
        assert!(m(Role::PlatformAdmin, None, false).manages(org));
        assert!(m(Role::InstitutionAdmin, Some(org), false).manages(org));
        assert!(m(Role::Enterprise, Some(org), true).manages(org));
        assert!(!m(Role::Enterprise, Some(org), false).manages(org));
        assert!(!m(Role::InstitutionAdmin, Some(other), false).manages(org));
        assert!(!m(Role::Enterprise, Some(other), true).manages(org));
        assert!(!m(Role::Researcher, None, true).manages(org));
        assert_eq!(
            m(Role::Researcher, Some(org), false).require_manages(org),
            Err(DomainError::forbidden(
                "only the organization's admins may manage its members"
            ))
        );
        assert_eq!(
            m(Role::Researcher, Some(other), true).require_manages(org),
            Err(DomainError::NotFound)
        );
    }

    #[test]
    fn one_organization_at_a_time_and_only_while_active() {
        let org = Uuid::now_v7();
        let j = |status, o| Joiner {
            status,
            organization_id: o,
        };
        assert!(j(AccountStatus::Active, None).may_join(org).is_ok());
        assert!(matches!(
            j(AccountStatus::Active, Some(org)).may_join(org),
            Err(DomainError::Conflict(m)) if m.contains("already a member of this")
        ));
        assert!(matches!(
            j(AccountStatus::Active, Some(Uuid::now_v7())).may_join(org),
            Err(DomainError::Conflict(m)) if m.contains("another organization")
        ));
        for s in [AccountStatus::Disabled, AccountStatus::Removed] {
            assert!(matches!(
                j(s, None).may_join(org),
                Err(DomainError::Conflict(_))
            ));
        }
    }

    #[test]
    fn a_request_is_decided_once() {
        assert!(require_pending(RequestStatus::Pending).is_ok());
        for s in [
            RequestStatus::Approved,
            RequestStatus::Rejected,
            RequestStatus::Withdrawn,
        ] {
            assert!(
                matches!(require_pending(s), Err(DomainError::Conflict(m)) if m.contains(s.as_str()))
            );
        }
    }

    #[test]
    fn an_invitation_is_single_use_expiring_and_personal() {
        let ok = |e, a, r, to: &str, by: &str| check_invitation(e, a, r, to, by);
        assert!(ok(false, false, false, "a@b.cn", "A@B.cn").is_ok());
        assert!(
            matches!(ok(false, true, false, "a@b.cn", "a@b.cn"), Err(DomainError::Conflict(m)) if m.contains("already been used"))
        );
        assert!(
            matches!(ok(false, false, true, "a@b.cn", "a@b.cn"), Err(DomainError::Conflict(m)) if m.contains("revoked"))
        );
        assert!(
            matches!(ok(true, false, false, "a@b.cn", "a@b.cn"), Err(DomainError::Conflict(m)) if m.contains("expired"))
        );
        assert!(matches!(
            ok(false, false, false, "a@b.cn", "c@b.cn"),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn the_last_platform_admin_stays() {
        assert!(keeps_an_admin(Role::PlatformAdmin, 1, true).is_err());
        assert!(keeps_an_admin(Role::PlatformAdmin, 2, true).is_ok());
        assert!(keeps_an_admin(Role::PlatformAdmin, 1, false).is_ok());
        assert!(keeps_an_admin(Role::Registrar, 1, true).is_ok());
    }

    #[test]
    fn names_round_trip() {
        assert_serde_agrees::<AuditAction>();
        assert_serde_agrees::<AccountStatus>();
        assert_serde_agrees::<RequestStatus>();
        // Display is derived apart from the table: it must name each code the same way.
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::parse(&s.to_string()), Some(*s));
        }
        // The audit's codes are stored: a few spelled out, in case a variant is renamed.
        assert_eq!(
            AuditAction::OrganizationAdminGranted.as_str(),
            "organization_admin_granted"
        );
        assert_eq!(
            AuditAction::PasswordResetIssued.as_str(),
            "password_reset_issued"
        );
    }
}
