use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The eight roles of the market. Stored and transported as `snake_case`.
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
pub enum Role {
    Researcher,
    Enterprise,
    TechManager,
    InstitutionAdmin,
    Provider,
    Registrar,
    Statistician,
    PlatformAdmin,
}

crate::codes!(Role);

impl Role {
    /// Roles a person may choose for themselves at `POST /auth/register`.
    pub fn is_self_service(self) -> bool {
        matches!(self, Role::Researcher | Role::Enterprise)
    }
}

/// Who is issuing a command: taken from the verified access token, never from the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub user_id: Uuid,
    pub role: Role,
    pub organization_id: Option<Uuid>,
}

impl Actor {
    /// The platform itself, for what happens by rule rather than by a person (a demand expiring).
    /// The nil id marks it in the history.
    pub fn system() -> Actor {
        Actor {
            user_id: Uuid::nil(),
            role: Role::PlatformAdmin,
            organization_id: None,
        }
    }

    pub fn is_system(&self) -> bool {
        self.user_id.is_nil()
    }

    pub fn belongs_to(&self, organization_id: Option<Uuid>) -> bool {
        organization_id.is_some() && self.organization_id == organization_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::assert_serde_agrees;

    #[test]
    fn roles_are_their_snake_case_codes() {
        assert_serde_agrees::<Role>();
        assert_eq!(Role::ALL.len(), 8);
        assert_eq!(Role::InstitutionAdmin.to_string(), "institution_admin");
    }
}
