//! `tessera`: run the helpdesk and administer an installation.
#![forbid(unsafe_code)]

mod demo;
mod migrate_data;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use tessera_core::{Email, Role};
use tessera_desk::{CreateUser, Desk};
use tessera_server::Config;

/// Tessera, a self-hosted helpdesk.
#[derive(Parser)]
#[command(name = "tessera", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct DataDir {
    /// The data folder (database, attachments, key, tessera.toml).
    #[arg(long, env = "TESSERA_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Runs the server.
    Serve {
        #[command(flatten)]
        data: DataDir,
        /// Address to listen on (default 127.0.0.1:8080, or [server] listen).
        #[arg(long, env = "TESSERA_LISTEN")]
        listen: Option<String>,
    },
    /// Applies pending database migrations and exits.
    Migrate {
        #[command(flatten)]
        data: DataDir,
    },
    /// Copies a whole installation into a new, empty database: SQLite to
    /// PostgreSQL or back. Every table is counted and checksummed on both
    /// sides; the search index is rebuilt on the target. Stop the servers
    /// first: writes made during the copy are not copied.
    MigrateData {
        #[command(flatten)]
        data: DataDir,
        /// The installation to copy: `sqlite:PATH` (relative to the data
        /// folder; the default database is `sqlite:tessera.db`) or `postgres://…`.
        #[arg(long)]
        from: String,
        /// The new database: `postgres://…` or `sqlite:PATH`.
        #[arg(long)]
        to: String,
    },
    /// Rebuilds the search index from the tickets and messages (after a bulk
    /// import, or to repair it). Safe while the server runs: it works in
    /// batches and the server keeps the index current meanwhile.
    Reindex {
        #[command(flatten)]
        data: DataDir,
    },
    /// Manages users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Takes e-mail in.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Manages API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Fills the installation with realistic demo data (departments, agents,
    /// customers with services, and a few hundred tickets in English,
    /// Turkish, Chinese and Russian).
    Demo {
        #[command(flatten)]
        data: DataDir,
        /// How many tickets to make.
        #[arg(long, default_value_t = 300)]
        tickets: usize,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Agent,
    Customer,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Creates a user and prints {"id": …}.
    Create {
        #[command(flatten)]
        data: DataDir,
        /// E-mail address (unique).
        #[arg(long)]
        email: String,
        /// Display name.
        #[arg(long)]
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Password (customers may have none).
        #[arg(long)]
        password: Option<String>,
    },
    /// Sets a user's password.
    SetPassword {
        #[command(flatten)]
        data: DataDir,
        /// E-mail address.
        #[arg(long)]
        email: String,
        /// The new password.
        #[arg(long)]
        password: String,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Reads one message (RFC 5322) on standard input, as an MTA's pipe
    /// hands it over (Postfix `pipe`, procmail, `.forward`), and routes it
    /// by `--to` or else by its own recipients to the department with that
    /// address. Exits 0 once the message is stored (from then on it is never
    /// lost: it becomes a ticket, a reply or a quarantined message), 75
    /// (EX_TEMPFAIL, the MTA retries) when it could not be stored, and 65
    /// (EX_DATAERR, the MTA returns it to its sender) when it is larger than
    /// Tessera takes. Works while the server runs.
    Ingest {
        #[command(flatten)]
        data: DataDir,
        /// The envelope recipient, as the MTA names it (`${recipient}`).
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Creates an API token and prints {"identifier", "secret", "token"}.
    Create {
        #[command(flatten)]
        data: DataDir,
        /// The user the token acts as.
        #[arg(long)]
        email: String,
        /// What the token is for.
        #[arg(long)]
        name: Option<String>,
    },
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TESSERA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

fn load_config(data_dir: &Path) -> Result<Config> {
    Config::load(data_dir, &|k| std::env::var(k).ok()).context("cannot load the configuration")
}

/// Where people reach the server this configuration serves: its
/// `public_url`, else `http://` and the listen address (a wildcard address
/// reached on the loopback of the machine itself).
fn web_address(config: &Config) -> String {
    if let Some(url) = &config.public_url {
        return url.trim_end_matches('/').to_string();
    }
    let listen = config.listen.trim();
    let host_port = match listen.rsplit_once(':') {
        Some(("0.0.0.0", port)) => format!("127.0.0.1:{port}"),
        Some(("[::]", port)) => format!("[::1]:{port}"),
        _ => listen.to_string(),
    };
    format!("http://{host_port}")
}

async fn open(data_dir: &Path) -> Result<(Config, Desk)> {
    let config = load_config(data_dir)?;
    let desk = tessera_server::startup::open_desk(&config).await?;
    Ok((config, desk))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

async fn serve(data_dir: &Path, listen: Option<String>) -> Result<()> {
    let mut config = load_config(data_dir)?;
    if let Some(l) = listen {
        config.listen = l;
    }
    let addr = config.listen.clone();
    tessera_server::startup::check_blobs(&config).await?;
    let state = tessera_server::startup::state(config).await?;
    let first = tessera_server::startup::bootstrap(&state.desk, data_dir).await?;
    let listener = tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    eprintln!("Tessera {} is listening on http://{local}", env!("CARGO_PKG_VERSION"));
    eprintln!("  data folder: {}", data_dir.display());
    if let Some(f) = first {
        eprintln!();
        eprintln!("This is a new installation. An administrator was created:");
        eprintln!("  e-mail:   {}", f.admin_email);
        eprintln!(
            "  password: in {} (readable only by you; change it, then delete the file)",
            f.password_file.display()
        );
        eprintln!("Make an API token for it with:");
        eprintln!("  tessera token create --data-dir {} --email {}", data_dir.display(), f.admin_email);
        eprintln!("and try: curl -H \"Authorization: Bearer <token>\" http://{local}/api/v1/me");
        eprintln!();
    }
    eprintln!("Press Ctrl-C to stop.");
    tessera_server::run(state, listener, shutdown_signal()).await?;
    Ok(())
}

async fn reindex(data_dir: &Path) -> Result<()> {
    let config = load_config(data_dir)?;
    if !config.data_dir.is_dir() {
        bail!("there is no data folder at {}", config.data_dir.display());
    }
    let desk = tessera_server::startup::open_desk(&config).await?;
    let started = std::time::Instant::now();
    let observer: tessera_store::ReindexObserver = std::sync::Arc::new(move |p: tessera_store::ReindexProgress| {
        let secs = started.elapsed().as_secs_f64().max(0.001);
        let pct = if p.total == 0 { 100.0 } else { p.done as f64 * 100.0 / p.total as f64 };
        eprint!("\rIndexed {} of {} tickets ({pct:.0} %, {:.0} a second)", p.done, p.total, p.done as f64 / secs);
    });
    eprintln!("Rebuilding the search index of {}", config.data_dir.display());
    let stats = desk.rebuild_search_index_unchecked(Some(observer)).await?;
    eprintln!();
    eprintln!(
        "Done: {} tickets and {} messages indexed in {:.1} s.",
        stats.tickets,
        stats.messages,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn user_by_email(desk: &Desk, email: &str) -> Result<tessera_core::User> {
    match desk.user_by_email_unchecked(email).await? {
        Some(u) => Ok(u),
        None => bail!("there is no user with the e-mail address {email}"),
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve { data, listen } => serve(&data.data_dir, listen).await,
        Command::Migrate { data } => {
            let config = load_config(&data.data_dir)?;
            tessera_server::startup::migrate(&config).await?;
            eprintln!("The database is up to date.");
            Ok(())
        }
        Command::Reindex { data } => reindex(&data.data_dir).await,
        Command::MigrateData { data, from, to } => migrate_data::run(&data.data_dir, &from, &to).await,
        Command::User { command: UserCommand::Create { data, email, name, role, password } } => {
            let (_, desk) = open(&data.data_dir).await?;
            let role = match role {
                RoleArg::Admin => Role::Admin,
                RoleArg::Agent => Role::Agent,
                RoleArg::Customer => Role::Customer,
            };
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("{e}"))?;
            let input = CreateUser { password, ..CreateUser::new(email, &name, role) };
            let created = desk.create_user_unchecked(input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::json!({"id": created.user.id}));
            Ok(())
        }
        Command::User { command: UserCommand::SetPassword { data, email, password } } => {
            let (_, desk) = open(&data.data_dir).await?;
            let user = user_by_email(&desk, &email).await?;
            desk.set_password_unchecked(user.id, &password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("The password of {email} is set.");
            Ok(())
        }
        Command::Mail { command: MailCommand::Ingest { data, to } } => {
            let code = mail_ingest(&data.data_dir, to).await;
            std::process::exit(code);
        }
        Command::Token { command: TokenCommand::Create { data, email, name } } => {
            let (_, desk) = open(&data.data_dir).await?;
            let user = user_by_email(&desk, &email).await?;
            let t = desk
                .issue_token(user.id, name.as_deref().unwrap_or("CLI token"))
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{}",
                serde_json::json!({"identifier": t.record.identifier, "secret": t.secret, "token": t.token})
            );
            Ok(())
        }
        Command::Demo { data, tickets } => {
            let (config, desk) = open(&data.data_dir).await?;
            let summary = demo::run(&desk, tickets, &web_address(&config)).await?;
            eprintln!("{summary}");
            Ok(())
        }
    }
}

/// `tessera mail ingest`: the exit code an MTA understands (see
/// [`MailCommand::Ingest`]). Nothing of the message reaches the log.
async fn mail_ingest(data_dir: &Path, to: Option<String>) -> i32 {
    const STORED: i32 = 0;
    const DATA_ERROR: i32 = 65;
    const TEMP_FAIL: i32 = 75;
    use std::io::Read;
    let limit = tessera_desk::mail::MAX_RAW_BYTES;
    let mut raw = Vec::new();
    // Read before anything is opened: the MTA waits on us either way.
    let read = std::io::stdin().lock().take(limit as u64 + 1).read_to_end(&mut raw);
    if let Err(e) = read {
        eprintln!("tessera mail ingest: cannot read the message: {e}");
        return TEMP_FAIL;
    }
    if raw.len() > limit {
        eprintln!("tessera mail ingest: the message is larger than {limit} bytes");
        return DATA_ERROR;
    }
    let (reading, desk) = match open(data_dir).await {
        Ok((config, desk)) => (config.mail_reading(), desk),
        Err(e) => {
            eprintln!("tessera mail ingest: {e:#}");
            return TEMP_FAIL;
        }
    };
    let from =
        tessera_desk::mail::Handover { source: tessera_store::MailSource::Pipe, mailbox_id: None, envelope_to: to };
    match tessera_mail::gateway::take(&desk, raw, from, &reading).await {
        Ok(record) => {
            eprintln!("tessera mail ingest: stored as inbound message {} ({})", record.id, record.state.as_str());
            STORED
        }
        Err(tessera_mail::gateway::TakeError::Refused(e)) => {
            eprintln!("tessera mail ingest: refused: {e}");
            DATA_ERROR
        }
        Err(tessera_mail::gateway::TakeError::NotStored(e)) => {
            eprintln!("tessera mail ingest: not stored, try again later: {e}");
            TEMP_FAIL
        }
    }
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(if matches!(cli.command, Command::Serve { .. }) { "info" } else { "warn" });
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    rt.block_on(run(cli))
}
