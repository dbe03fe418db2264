//! The command line: `bolide [serve] [--listen ADDR] [--redis-url URL] …`.
//!
//! `serve` is the default subcommand, so `bolide` alone starts the app; every
//! flag also reads an environment variable, which is how hosted setups
//! (systemd units, containers) usually configure a server.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::console::rate::Rate;
use crate::console::ConsolePolicy;
use crate::embedded::EmbeddedOptions;
use crate::server::{ServeConfig, StartError};

/// Bolide: learn Redis in the browser, against a real Redis.
#[derive(Debug, Parser)]
#[command(name = "bolide", version, about, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, which runs when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the API (the default).
    Serve(ServeArgs),
    /// Load a Meteorite Landings file (course JSON, NASA JSON or NASA CSV)
    /// into Redis, replacing the previous set (all or nothing).
    Load {
        /// The file to load.
        file: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Load N realistic synthetic landings (the same N and seed always give
    /// the same set).
    Generate {
        /// How many landings.
        n: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[command(flatten)]
        target: TargetArgs,
    },
}

/// Which Redis `load` and `generate` write to.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// This Redis; without it, the embedded Redis of a running `bolide serve`.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// The data dir of the running `bolide serve` [default: as for serve].
    #[arg(long, env = "BOLIDE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Why a subcommand failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("{0}")]
    Data(String),
}

/// Options of `bolide serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (use port 0 for any free port).
    #[arg(long, env = "BOLIDE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Use this Redis (e.g. redis://127.0.0.1:6379/0) instead of starting one.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,

    /// Where Bolide keeps its embedded Redis's data
    /// [default: the per-user data dir, e.g. ~/.local/share/bolide].
    #[arg(long, env = "BOLIDE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// The redis-server program to start in embedded mode.
    #[arg(long, env = "BOLIDE_REDIS_SERVER", default_value = "redis-server")]
    pub redis_server: PathBuf,

    /// Port for the embedded Redis [default: the one used last time if free,
    /// else any free port].
    #[arg(long, env = "BOLIDE_REDIS_PORT")]
    pub redis_port: Option<u16>,

    /// The built browser app (`trunk build --release` output).
    #[arg(long, env = "BOLIDE_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Host a class or a public site: every browser gets its own
    /// namespace, and the console's rules and limits are strict.
    #[arg(long, env = "BOLIDE_SHARED")]
    pub shared: bool,

    /// Console requests per second per session (0 = unlimited)
    /// [default: 20 shared, 2000 local].
    #[arg(long, env = "BOLIDE_RATE_SESSION")]
    pub rate_session: Option<u32>,

    /// Console requests per second per client address (0 = unlimited)
    /// [default: 200 shared, unlimited local].
    #[arg(long, env = "BOLIDE_RATE_ADDRESS")]
    pub rate_address: Option<u32>,
}

impl Cli {
    /// Runs the chosen subcommand until it finishes or Ctrl-C/SIGTERM.
    pub async fn run(self) -> Result<(), CliError> {
        match self.command {
            Some(Command::Serve(args)) => Ok(serve(args).await?),
            None => Ok(serve(self.serve).await?),
            Some(Command::Load { file, target }) => {
                let url = target_url(&target)?;
                crate::data::command::load_file(&file, &url).await.map_err(CliError::Data)
            }
            Some(Command::Generate { n, seed, target }) => {
                let url = target_url(&target)?;
                crate::data::command::generate(n, seed, &url).await.map_err(CliError::Data)
            }
        }
    }
}

async fn serve(args: ServeArgs) -> Result<(), StartError> {
    // First of all, so a signal during start-up is not fatal.
    let shutdown = crate::shutdown::install();
    let console = console_policy(&args);
    let config = ServeConfig {
        listen: args.listen,
        redis: match args.redis_url {
            Some(url) => crate::server::RedisChoice::External(url),
            None => crate::server::RedisChoice::Embedded(EmbeddedOptions {
                program: args.redis_server,
                data_dir: match args.data_dir {
                    Some(dir) => dir,
                    None => default_data_dir()?,
                },
                port: args.redis_port,
            }),
        },
        dist: args.dist,
        console,
    };
    crate::server::serve(config, shutdown).await
}

/// `--redis-url`, or the embedded Redis of the `bolide serve` running on the
/// data dir (its port is in `<data-dir>/redis/port`).
fn target_url(target: &TargetArgs) -> Result<String, CliError> {
    if let Some(url) = &target.redis_url {
        return Ok(url.clone());
    }
    let dir = match &target.data_dir {
        Some(dir) => dir.clone(),
        None => default_data_dir()?,
    };
    let port_file = dir.join("redis").join("port");
    let port = std::fs::read_to_string(&port_file).ok().and_then(|p| p.trim().parse::<u16>().ok());
    match port {
        Some(port) if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() => {
            Ok(format!("redis://127.0.0.1:{port}"))
        }
        _ => Err(CliError::Data(format!(
            "no running Bolide found for {} (start it with scripts/run, or pass --redis-url)",
            dir.display()
        ))),
    }
}

/// The mode's policy, with the rate limits given on the command line.
fn console_policy(args: &ServeArgs) -> ConsolePolicy {
    let mut policy = if args.shared { ConsolePolicy::SHARED } else { ConsolePolicy::LOCAL };
    if let Some(per_second) = args.rate_session {
        policy.limits.session_rate = Rate { per_second, burst: per_second.saturating_mul(2) };
    }
    if let Some(per_second) = args.rate_address {
        policy.limits.address_rate = Rate { per_second, burst: per_second.saturating_mul(2) };
    }
    policy
}

/// `~/.local/share/bolide` on Linux (the XDG data dir), the platform's
/// equivalent elsewhere.
fn default_data_dir() -> Result<PathBuf, StartError> {
    dirs::data_local_dir().map(|dir| dir.join("bolide")).ok_or(StartError::NoDataDir)
}

/// Logs go to stderr; `RUST_LOG` overrides the default level (`info`).
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}
