use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The eight roles of the market. Stored and transported as `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Researcher,
        Role::Enterprise,
        Role::TechManager,
        Role::InstitutionAdmin,
        Role::Provider,
        Role::Registrar,
        Role::Statistician,
        Role::PlatformAdmin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Researcher => "researcher",
            Role::Enterprise => "enterprise",
            Role::TechManager => "tech_manager",
            Role::InstitutionAdmin => "institution_admin",
            Role::Provider => "provider",
            Role::Registrar => "registrar",
            Role::Statistician => "statistician",
            Role::PlatformAdmin => "platform_admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Roles a person may choose for themselves at `POST /auth/register`.
    pub fn is_self_service(self) -> bool {
        matches!(self, Role::Researcher | Role::Enterprise)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
