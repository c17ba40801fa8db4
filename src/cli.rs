//! Operator commands: `techmarket` (serve), `techmarket user add`, `techmarket projections rebuild`,
//! `techmarket contracts import`.

use clap::{Parser, Subcommand};
use secrecy::SecretString;
use uuid::Uuid;

use chrono::Utc;

use crate::accounts::{self, admin, OPERATOR};
use crate::config::Settings;
use crate::contract_import::{Batch, Format, Importer};
use crate::domain::user::{login_email, NewUser, RegistrationInput};
use crate::domain::Actor;
use crate::domain::{DomainError, Role};
use crate::error::AppError;
use crate::projections::rebuild;
use crate::projections::search::{index_dir, indexer, SearchError, SearchIndex};
use crate::projections::Projections;
use crate::startup::Application;
use crate::store::accounts::{self as account_rows, User, UserFilter};
use crate::store::aggregates::EventStoreOf;
use crate::store::{reference, Db};

#[derive(Parser)]
#[command(
    name = "techmarket",
    version,
    about = "Technology-transfer marketplace backend",
    after_help = "Without a command it serves the API; `techmarket serve --help` lists its settings."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Cmd>,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// Serve the HTTP API (the default).
    #[command(after_help = crate::config::HELP)]
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
    /// Mail that could not be delivered.
    Mail {
        #[command(subcommand)]
        command: MailCmd,
    },
    /// The technology-contract register.
    Contracts {
        #[command(subcommand)]
        command: ContractsCmd,
    },
}

#[derive(Subcommand)]
pub enum ContractsCmd {
    /// Import contracts registered before the platform, from CSV or JSON lines (.jsonl): the
    /// whole file or, when any row is at fault, nothing; a file imported twice changes nothing.
    Import {
        /// The file; its extension says the format (.csv, .jsonl or .ndjson).
        file: std::path::PathBuf,
        /// The registrar or platform admin on whose behalf the contracts are imported.
        #[arg(long = "as", value_name = "EMAIL")]
        as_email: String,
        /// Check the file and report, import nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum MailCmd {
    /// List the notifications whose mail failed every attempt.
    Dead,
    /// Send a dead notification's mail again (or every one's, with --all).
    Retry {
        /// The notification's id.
        id: Option<uuid::Uuid>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
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
        /// Make the user a member of this organization (granted by the operator).
        #[arg(long)]
        organization: Option<Uuid>,
        /// Let the user manage the organization's members.
        #[arg(long, requires = "organization")]
        organization_admin: bool,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Find users by part of their e-mail address or name.
    List {
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Give a user another role (their tokens end).
    Role {
        #[arg(long)]
        email: String,
        #[arg(long)]
        role: String,
    },
    /// Disable an account (its tokens end; it cannot sign in).
    Disable {
        #[arg(long)]
        email: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Enable a disabled account again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// End the user's tokens and make them choose a new password at their next sign-in.
    ForcePasswordChange {
        #[arg(long)]
        email: String,
    },
    /// Print a single-use password reset token to hand to the user.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Remove a person: personal data erased, the id kept for the events that name it.
    Remove {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum ProjectionsCmd {
    /// Empty every read model and replay the global log into it.
    Rebuild,
}

fn role(name: &str) -> anyhow::Result<Role> {
    Role::parse(name).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown role '{name}'; one of {}",
            Role::ALL
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// The user with this e-mail address (as typed at sign-in: any case).
async fn by_email(db: &Db, email: &str) -> anyhow::Result<User> {
    let email = login_email(email).map_err(|e| anyhow::anyhow!("{}", e.message))?;
    account_rows::user_by_email(&mut db.read().await?.conn(), &email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no user with the e-mail address {email}"))
}

fn show(user: &User) {
    println!(
        "{}  {:<40} {:<18} {:<9} org={} {}",
        user.id,
        user.email,
        user.role.as_str(),
        user.status.as_str(),
        user.organization_id
            .map(|o| o.to_string())
            .unwrap_or_else(|| "-".into()),
        user.display_name
    );
}

/// `techmarket user …`: the operator acts as [`OPERATOR`] in the account history.
async fn user_command(db: &Db, settings: &Settings, command: UserCmd) -> anyhow::Result<()> {
    let now = Utc::now();
    let fail = |e: AppError| anyhow::anyhow!("{}", describe(&e));
    match command {
        UserCmd::Add {
            email,
            password,
            role: role_name,
            organization,
            organization_admin,
            display_name,
        } => {
            let input = RegistrationInput {
                display_name: display_name.unwrap_or_else(|| email.clone()),
                email,
                password: SecretString::from(password),
                role: role(&role_name)?,
                organization_id: organization,
            };
            let new = NewUser::parse(input, false).map_err(|e| fail(e.into()))?;
            let user = accounts::create_user(db, new, organization_admin, OPERATOR)
                .await
                .map_err(fail)?;
            println!("created {} {} ({})", user.role, user.email, user.id);
        }
        UserCmd::List {
            query,
            role: r,
            limit,
        } => {
            let filter = UserFilter {
                q: query,
                role: r.as_deref().map(role).transpose()?,
                ..Default::default()
            };
            for u in account_rows::users(&mut db.read().await?.conn(), &filter, None, limit).await?
            {
                show(&u);
            }
        }
        UserCmd::Role { email, role: r } => {
            let user = by_email(db, &email).await?;
            show(
                &admin::change_role(db, OPERATOR, user.id, role(&r)?, now)
                    .await
                    .map_err(fail)?,
            );
        }
        UserCmd::Disable { email, reason } => {
            let user = by_email(db, &email).await?;
            let u = admin::set_disabled(db, OPERATOR, user.id, true, reason.as_deref(), now)
                .await
                .map_err(fail)?;
            show(&u);
        }
        UserCmd::Enable { email } => {
            let user = by_email(db, &email).await?;
            let u = admin::set_disabled(db, OPERATOR, user.id, false, None, now)
                .await
                .map_err(fail)?;
            show(&u);
        }
        UserCmd::ForcePasswordChange { email } => {
            let user = by_email(db, &email).await?;
            show(
                &admin::force_password_change(db, OPERATOR, user.id, now)
                    .await
                    .map_err(fail)?,
            );
        }
        UserCmd::ResetPassword { email } => {
            let user = by_email(db, &email).await?;
            let (token, expires_at) = admin::issue_password_reset(
                db,
                OPERATOR,
                user.id,
                settings.password_reset_valid_hours,
                now,
            )
            .await
            .map_err(fail)?;
            println!(
                "reset token for {} (valid until {expires_at}, single use):",
                user.email
            );
            println!("{token}");
            println!("the user sets a new password with POST /api/v1/auth/password-reset {{\"token\", \"new_password\"}}");
        }
        UserCmd::Remove { email } => {
            let user = by_email(db, &email).await?;
            admin::remove(db, OPERATOR, user.id, now)
                .await
                .map_err(fail)?;
            println!("removed {} ({}): personal data erased", email, user.id);
        }
    }
    Ok(())
}

/// An error as a person reads it: the detail, and each invalid field.
fn describe(e: &AppError) -> String {
    let fields = match e {
        AppError::Unprocessable(f)
        | AppError::Domain(DomainError::Invalid(f))
        | AppError::InvalidFile { errors: f, .. } => f.as_slice(),
        _ => &[],
    };
    let mut out = match (e, fields.is_empty()) {
        (AppError::InvalidFile { detail, .. }, _) => detail.clone(),
        (_, false) => "refused:".to_string(),
        (_, true) => e.to_string(),
    };
    for f in fields {
        out.push_str(&format!("\n  {f}"));
    }
    out
}

/// The store alone, migrated: what operator commands need. They do not open the search index,
/// which a running server owns.
async fn open_store(settings: &Settings) -> anyhow::Result<Db> {
    let db = Db::connect_with(&settings.database_url(), settings.db_acquire_timeout()).await?;
    db.migrate().await?;
    reference::seed(&db).await?;
    Ok(db)
}

async fn mail_command(db: &Db, command: MailCmd) -> anyhow::Result<()> {
    use crate::notifications::mail::dead;
    let now = chrono::Utc::now();
    match command {
        MailCmd::Dead => {
            let mut after = None;
            loop {
                let page = dead::list(&mut db.read().await?.conn(), after, 500).await?;
                for d in &page {
                    println!(
                        "{}  {}  to {}  {} attempts  {}",
                        d.id,
                        d.kind,
                        d.recipient_id,
                        d.attempts,
                        d.error.as_deref().unwrap_or("")
                    );
                }
                match page.last() {
                    Some(d) if page.len() == 500 => after = Some(d.id),
                    _ => break,
                }
            }
        }
        MailCmd::Retry { id: Some(id), .. } => {
            let mut tx = db.begin().await?;
            if !dead::retry(&mut tx.conn(), id, now).await? {
                anyhow::bail!("no dead mail with id {id}");
            }
            tx.commit().await?;
            println!("{id} will be sent again");
        }
        MailCmd::Retry { id: None, all } => {
            if !all {
                anyhow::bail!("name a notification's id, or --all");
            }
            let mut tx = db.begin().await?;
            let n = dead::retry_all(&mut tx.conn(), now).await?;
            tx.commit().await?;
            println!("{n} will be sent again");
        }
    }
    Ok(())
}

async fn contracts_command(db: &Db, command: ContractsCmd) -> anyhow::Result<()> {
    let ContractsCmd::Import {
        file,
        as_email,
        dry_run,
    } = command;
    let user = by_email(db, &as_email).await?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let format = Format::from_file_name(&name).ok_or_else(|| {
        anyhow::anyhow!("{name}: name the format by the extension: .csv, .jsonl or .ndjson")
    })?;
    let body =
        std::fs::read(&file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let refs = reference::load(db).await?;
    let contracts = EventStoreOf::new(
        db,
        &Projections::standard(),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    let importer = Importer {
        db,
        contracts: &contracts,
        refs: &refs,
    };
    let actor = Actor {
        user_id: user.id,
        role: user.role,
        organization_id: user.organization_id,
    };
    let batch = Batch {
        file: &name,
        format,
        body: &body,
        dry_run,
    };
    let report = importer
        .run(actor, Utc::now(), batch)
        .await
        .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
    println!(
        "{}: {} contracts; {} {}, {} already on the register (batch {})",
        report.file,
        report.rows,
        report.imported,
        if report.dry_run {
            "would be imported (dry run: nothing was)"
        } else {
            "imported"
        },
        report.unchanged,
        report.batch_id
    );
    Ok(())
}

pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Cmd::Serve) {
        Cmd::Serve => {
            Application::build(settings)
                .await?
                .run_until_stopped()
                .await?
        }
        Cmd::User { command } => {
            let db = open_store(&settings).await?;
            user_command(&db, &settings, command)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Cmd::Mail { command } => {
            let db = open_store(&settings).await?;
            mail_command(&db, command).await?;
        }
        Cmd::Contracts { command } => {
            let db = open_store(&settings).await?;
            contracts_command(&db, command).await?;
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
