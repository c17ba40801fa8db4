//! Operator commands: `techmarket` (serve), `techmarket user add`, `techmarket projections rebuild`.

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::user::{NewUser, RegistrationInput};
use crate::domain::Role;
use crate::startup::{AppState, Application};

#[derive(Parser)]
#[command(
    name = "techmarket",
    version,
    about = "Technology-transfer marketplace backend"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Serve the HTTP API (the default).
    Serve,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Manage read models.
    Projections {
        #[command(subcommand)]
        command: ProjectionsCmd,
    },
}

#[derive(Subcommand)]
pub enum UserCmd {
    /// Create a user of any role (the way to create the first platform_admin).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, env = "TECHMARKET_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        organization: Option<Uuid>,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ProjectionsCmd {
    /// Empty every read model and replay the global log into it.
    Rebuild,
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Cmd::User {
            command:
                UserCmd::Add {
                    email,
                    password,
                    role,
                    organization,
                    display_name,
                },
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                anyhow::anyhow!(
                    "unknown role '{role}'; one of {:?}",
                    Role::ALL.map(|r| r.as_str())
                )
            })?;
            let state = AppState::open(settings).await?;
            let input = RegistrationInput {
                display_name: display_name.unwrap_or_else(|| email.clone()),
                email,
                password: SecretString::from(password),
                role,
                organization_id: organization,
            };
            let new = NewUser::parse(input, false).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = crate::routes::auth::create_user(&state, new)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
        Cmd::Projections {
            command: ProjectionsCmd::Rebuild,
        } => {
            let state = AppState::open(settings).await?;
            let started = std::time::Instant::now();
            let report =
                crate::projections::rebuild::rebuild(&state.db, &state.projections).await?;
            println!(
                "rebuilt {} read models from {} events (log position {}) in {:.2?}",
                state.projections.iter().count(),
                report.events,
                report.last_position,
                started.elapsed()
            );
        }
    }
    Ok(())
}
