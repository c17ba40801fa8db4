//! Operator commands: `techmarket` (serve), `techmarket user add`, `techmarket projections rebuild`.

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use uuid::Uuid;

use crate::config::Settings;
use crate::domain::user::{NewUser, RegistrationInput};
use crate::domain::Role;
use crate::projections::rebuild;
use crate::projections::search::{index_dir, indexer, SearchError, SearchIndex};
use crate::projections::Projections;
use crate::startup::Application;
use crate::store::{reference, Db};

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

/// The store alone, migrated: what operator commands need. They do not open the search index,
/// which a running server owns.
async fn open_store(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect_with(&settings.database_url(), settings.db_acquire_timeout()).await?;
    db.migrate().await?;
    reference::seed(&db).await?;
    Ok(db)
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
            let db = open_store(&settings).await?;
            let input = RegistrationInput {
                display_name: display_name.unwrap_or_else(|| email.clone()),
                email,
                password: SecretString::from(password),
                role,
                organization_id: organization,
            };
            let new = NewUser::parse(input, false).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = crate::routes::auth::create_user(&db, new)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
        Cmd::Projections {
            command: ProjectionsCmd::Rebuild,
        } => {
            let db = open_store(&settings).await?;
            let projections = Projections::standard();
            let started = std::time::Instant::now();
            let report = rebuild::rebuild(&db, &projections).await?;
            println!(
                "rebuilt {} read models from {} events (log position {}) in {:.2?}",
                projections.iter().count(),
                report.events,
                report.last_position,
                started.elapsed()
            );
            let generation = indexer::request_rebuild(&db).await?;
            let dir = index_dir(&settings.data_dir, &settings.database_url());
            match SearchIndex::open(&dir) {
                Ok(index) => {
                    let started = std::time::Instant::now();
                    let index = std::sync::Arc::new(index);
                    let checkpoint = indexer::catch_up(&db, &index).await?;
                    println!(
                        "rebuilt the search index to log position {} in {:.2?}",
                        checkpoint.position,
                        started.elapsed()
                    );
                }
                Err(SearchError::Locked) => println!(
                    "the search index is held by a running server; it rebuilds it now (generation {generation})"
                ),
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}
