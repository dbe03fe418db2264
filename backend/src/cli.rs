//! The command line: `bolide [serve] [--listen ADDR] [--redis-url URL] …`.
//!
//! `serve` is the default subcommand, so `bolide` alone starts the app; every
//! flag also reads an environment variable, which is how hosted setups
//! (systemd units, containers) usually configure a server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::console::Limits;
use crate::embedded::EmbeddedOptions;
use crate::jobs::config::{parse_duration, JobsConfig, WorkerOptions, MIN_VISIBILITY_TIMEOUT};
use crate::sandbox::rate::Rate;
use crate::sandbox::Tenancy;
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
    Serve(Box<ServeArgs>),
    /// Run analysis jobs from the queue in Redis until SIGTERM or Ctrl-C
    /// (any number of workers, on any machine, may share one Redis).
    Worker {
        #[command(flatten)]
        target: TargetArgs,
        #[command(flatten)]
        options: WorkerArgs,
        /// Lower this worker's CPU priority by N (nice, 0–19): on a machine
        /// it shares with the API and Redis, their requests come first.
        #[arg(long, env = "BOLIDE_JOB_NICE", default_value_t = 10,
              value_parser = clap::value_parser!(i32).range(0..=19))]
        job_nice: i32,
    },
    /// Load a Meteorite Landings file (course JSON, NASA JSON or NASA CSV)
    /// into Redis, replacing the previous set (all or nothing).
    Load {
        /// A file, an http(s):// URL to download, or a preset: course-sample
        /// (the course's 30 landings) or nasa (NASA's full export).
        #[arg(value_name = "FILE|URL|PRESET")]
        source: String,
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

/// Which Redis `load`, `generate` and `worker` use.
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

    /// The embedded Redis's `maxmemory` (bytes, or with kb, mb, gb), with
    /// `noeviction`: past it, writes fail with Redis's OOM error.
    #[arg(long, env = "BOLIDE_REDIS_MAXMEMORY", default_value = "2gb", value_parser = parse_size)]
    pub redis_maxmemory: u64,

    /// The built browser app (`trunk build --release` output).
    #[arg(long, env = "BOLIDE_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// Host a class or a public site: every browser gets its own
    /// namespace, and the console's rules and limits are strict.
    #[arg(long, env = "BOLIDE_SHARED")]
    pub shared: bool,

    /// Requests per second per sandbox to the console, data, jobs and guides
    /// APIs (0 = unlimited) [default: 20 shared, 2000 local].
    #[arg(long, env = "BOLIDE_RATE_SESSION")]
    pub rate_session: Option<u32>,

    /// Requests per second per client address to the same APIs, shared
    /// fairly among the address's active sandboxes (0 = unlimited)
    /// [default: 200 shared, unlimited local].
    #[arg(long, env = "BOLIDE_RATE_ADDRESS")]
    pub rate_address: Option<u32>,

    /// A sandbox unused this long ends, with everything it owns (e.g. 30s,
    /// 2h) [default: 2h shared; locally 7 days, for the console's state only].
    #[arg(long, env = "BOLIDE_SESSION_IDLE", value_parser = session_idle)]
    pub session_idle: Option<Duration>,

    /// New sandboxes (and sandbox-code attempts) per client address per
    /// minute (0 = unlimited) [default: 60 shared, unlimited local].
    #[arg(long, env = "BOLIDE_SANDBOX_MINT_RATE")]
    pub sandbox_mint_rate: Option<u32>,

    /// Where students reach this Bolide (e.g. https://redis.class.example):
    /// the cross-site check expects this origin, and an https:// URL makes
    /// the sandbox cookie `Secure`.
    #[arg(long, env = "BOLIDE_PUBLIC_URL", value_parser = crate::sandbox::PublicUrl::parse)]
    pub public_url: Option<crate::sandbox::PublicUrl>,

    /// Open the class gateway on this address (e.g. 0.0.0.0:6380): students'
    /// own redis-py scripts and redis-cli reach their sandbox over the Redis
    /// protocol, with the credentials their page shows. Off unless given.
    #[arg(long, env = "BOLIDE_GATEWAY_LISTEN")]
    pub gateway_listen: Option<SocketAddr>,

    /// The host students' machines use to reach this Bolide (for the
    /// gateway's credentials and the guides) [default: the host of
    /// --public-url, else the gateway's listening address].
    #[arg(long, env = "BOLIDE_PUBLIC_HOST")]
    pub public_host: Option<String>,

    /// The gateway's TLS certificate chain (PEM); with --gateway-tls-key.
    #[arg(long, env = "BOLIDE_GATEWAY_TLS_CERT", requires = "gateway_tls_key")]
    pub gateway_tls_cert: Option<PathBuf>,

    /// The gateway's TLS private key (PEM); with --gateway-tls-cert.
    #[arg(long, env = "BOLIDE_GATEWAY_TLS_KEY", requires = "gateway_tls_cert")]
    pub gateway_tls_key: Option<PathBuf>,

    /// Gateway commands per second per sandbox, all its connections
    /// together (0 = unlimited; past it commands wait) [default: 5000].
    #[arg(long, env = "BOLIDE_GATEWAY_RATE")]
    pub gateway_rate: Option<u32>,

    /// Open gateway connections per sandbox [default: 16].
    #[arg(long, env = "BOLIDE_GATEWAY_MAX_CONNECTIONS")]
    pub gateway_max_connections: Option<usize>,

    /// A gateway connection silent this long is closed (e.g. 5m) [default: 5m].
    #[arg(long, env = "BOLIDE_GATEWAY_IDLE", value_parser = session_idle)]
    pub gateway_idle: Option<Duration>,

    /// Bytes of one gateway reply (shared mode); a longer one is refused
    /// with an error naming this limit [default: 8388608].
    #[arg(long, env = "BOLIDE_GATEWAY_MAX_REPLY_BYTES")]
    pub gateway_max_reply_bytes: Option<u64>,

    /// Pairs of characters one LCS may compare: the product of the two
    /// strings' lengths, summed over a MULTI (0 = unlimited)
    /// [default: 10000000 shared, unlimited local].
    #[arg(long, env = "BOLIDE_MAX_LCS_CELLS")]
    pub max_lcs_cells: Option<u64>,

    /// Largest COUNT of SCAN/SSCAN/HSCAN/ZSCAN (0 = unlimited)
    /// [default: 1000 shared, unlimited local].
    #[arg(long, env = "BOLIDE_MAX_SCAN_COUNT")]
    pub max_scan_count: Option<u64>,

    /// Elements in the inputs of one set/sorted-set operation or SORT
    /// (SUNIONSTORE, ZINTER, ...), summed over a MULTI (0 = unlimited)
    /// [default: 100000 shared, unlimited local].
    #[arg(long, env = "BOLIDE_MAX_INPUT_ELEMENTS")]
    pub max_input_elements: Option<u64>,

    /// Bytes of strings one BITCOUNT/BITPOS range or BITOP may scan
    /// (0 = unlimited) [default: 16777216 shared, unlimited local].
    #[arg(long, env = "BOLIDE_MAX_SCAN_BYTES")]
    pub max_scan_bytes: Option<u64>,

    /// Bytes of one console reply: a longer string or range is shown cut,
    /// saying how much is left out (0 = unlimited)
    /// [default: 1048576 shared, 16777216 local].
    #[arg(long, env = "BOLIDE_MAX_REPLY_BYTES")]
    pub max_reply_bytes: Option<u64>,

    /// Estimated bytes one sandbox may hold (shared mode): past it the
    /// console's growing commands and the data API's loads, generator and
    /// edits are refused (0 = unlimited) [default: 67108864].
    #[arg(long, env = "BOLIDE_MAX_SESSION_BYTES")]
    pub max_session_bytes: Option<u64>,

    /// New data-browser filters one sandbox may compute at once (shared
    /// mode; 0 = unlimited): another waits --data-filter-wait, then gets a
    /// 429 [default: 1].
    #[arg(long, env = "BOLIDE_DATA_FILTERS_IN_FLIGHT")]
    pub data_filters_in_flight: Option<usize>,

    /// How long a sandbox's new filter waits for its turn (e.g. 0s, 2s)
    /// [default: 2s].
    #[arg(long, env = "BOLIDE_DATA_FILTER_WAIT", value_parser = parse_duration)]
    pub data_filter_wait: Option<Duration>,

    /// Filtered results one sandbox keeps in Redis (its oldest go first;
    /// 0 = unlimited) [default: 8 shared, unlimited local].
    #[arg(long, env = "BOLIDE_DATA_RESULTS_PER_SANDBOX")]
    pub data_results_per_sandbox: Option<usize>,

    /// Estimated bytes of the filtered results one sandbox keeps (0 =
    /// unlimited) [default: 16777216 shared, unlimited local].
    #[arg(long, env = "BOLIDE_DATA_RESULT_BYTES_PER_SANDBOX")]
    pub data_result_bytes_per_sandbox: Option<u64>,

    /// Do not run a job worker in this process (run `bolide worker`s instead).
    #[arg(long, env = "BOLIDE_NO_WORKER")]
    pub no_worker: bool,

    /// How long a succeeded job's result is kept (e.g. 30m, 24h).
    #[arg(long, env = "BOLIDE_JOB_RESULT_TTL", default_value = "24h", value_parser = result_ttl)]
    pub job_result_ttl: Duration,

    /// Starts before a job whose worker keeps dying is marked failed.
    #[arg(long, env = "BOLIDE_JOB_MAX_ATTEMPTS", default_value_t = 3,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub job_max_attempts: u32,

    /// The in-process worker's options.
    #[command(flatten)]
    pub worker: WorkerArgs,
}

/// Options of a job worker (`bolide worker`, and the one inside `bolide serve`).
#[derive(Debug, Clone, Args)]
pub struct WorkerArgs {
    /// A running job not heard from for this long (its worker died) is
    /// taken over by another worker (e.g. 2s, 15s).
    #[arg(long, env = "BOLIDE_JOB_VISIBILITY_TIMEOUT", default_value = "15s", value_parser = visibility_timeout)]
    pub job_visibility_timeout: Duration,

    /// Teaching aid: make every job take at least 10 × N ms, its progress
    /// advancing 10 % every N ms, so you can watch it run (0: full speed).
    #[arg(long, env = "BOLIDE_JOB_PACE_MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub job_pace_ms: u64,

    /// On shutdown, how long the running job may take to finish before it
    /// is handed back to the queue.
    #[arg(long, env = "BOLIDE_JOB_GRACE_PERIOD", default_value = "10s", value_parser = parse_duration)]
    pub job_grace_period: Duration,
}

impl WorkerArgs {
    pub fn options(&self) -> WorkerOptions {
        WorkerOptions {
            visibility_timeout: self.job_visibility_timeout,
            pace: Duration::from_millis(self.job_pace_ms),
            grace_period: self.job_grace_period,
        }
    }
}

fn result_ttl(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        ttl if ttl < Duration::from_secs(1) => Err("results must be kept at least 1s".into()),
        ttl => Ok(ttl),
    }
}

fn session_idle(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        idle if idle < Duration::from_secs(1) => Err("at least 1s".into()),
        idle => Ok(idle),
    }
}

fn visibility_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        timeout if timeout < MIN_VISIBILITY_TIMEOUT => {
            Err(format!("at least {} ms (heartbeats must fit in it)", MIN_VISIBILITY_TIMEOUT.as_millis()))
        }
        timeout => Ok(timeout),
    }
}

impl Cli {
    /// Runs the chosen subcommand until it finishes or Ctrl-C/SIGTERM.
    pub async fn run(self) -> Result<(), CliError> {
        match self.command {
            Some(Command::Serve(args)) => Ok(serve(*args).await?),
            None => Ok(serve(self.serve).await?),
            Some(Command::Worker { target, options, job_nice }) => {
                let shutdown = crate::shutdown::install();
                let url = target_url(&target)?;
                crate::jobs::worker::lower_priority(job_nice);
                crate::jobs::worker::run_until(&url, options.options(), shutdown)
                    .await
                    .map_err(|err| CliError::Data(format!("worker: {err}")))
            }
            Some(Command::Load { source, target }) => {
                let url = target_url(&target)?;
                crate::data::command::load(&source, &url).await.map_err(CliError::Data)
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
    let gateway = gateway_config(&args);
    let public_host = args.public_host.clone();
    let data_results = data_results(&args);
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
                maxmemory: args.redis_maxmemory,
            }),
        },
        dist: args.dist,
        tenancy: if args.shared { Tenancy::Shared } else { Tenancy::Local },
        console,
        lifetime: crate::sandbox::store::Lifetime {
            mints_per_minute: args.sandbox_mint_rate.unwrap_or(
                crate::sandbox::store::Lifetime::for_mode(args.shared, console.session_idle).mints_per_minute,
            ),
            idle: console.session_idle,
        },
        public_url: args.public_url.clone(),
        jobs: JobsConfig {
            result_ttl: args.job_result_ttl,
            max_attempts: args.job_max_attempts,
            ..JobsConfig::for_mode(args.shared)
        },
        worker: (!args.no_worker).then(|| args.worker.options()),
        gateway,
        public_host,
        data_results,
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

/// The mode's console limits, with the rate limits given on the command line.
fn console_policy(args: &ServeArgs) -> Limits {
    let mut policy = if args.shared { Limits::SHARED } else { Limits::LOCAL };
    if let Some(per_second) = args.rate_session {
        policy.session_rate = Rate { per_second, burst: per_second.saturating_mul(2) };
    }
    if let Some(idle) = args.session_idle {
        policy.session_idle = idle;
    }
    if let Some(per_second) = args.rate_address {
        policy.address_rate = Rate { per_second, burst: per_second.saturating_mul(2) };
    }
    let bounds = [
        (args.max_lcs_cells, &mut policy.max_lcs_cells),
        (args.max_scan_count, &mut policy.max_scan_count),
        (args.max_input_elements, &mut policy.max_input_elements),
        (args.max_scan_bytes, &mut policy.max_scan_bytes),
        (args.max_reply_bytes, &mut policy.max_reply_bytes),
        (args.max_session_bytes, &mut policy.max_session_bytes),
    ];
    for (given, bound) in bounds {
        if let Some(value) = given {
            *bound = value;
        }
    }
    policy
}

/// The mode's bounds on the data browser's filtered results, with the
/// `--data-*` flags given.
fn data_results(args: &ServeArgs) -> crate::data::store::results::Bounds {
    let tenancy = if args.shared { Tenancy::Shared } else { Tenancy::Local };
    let mut bounds = crate::data::store::results::Bounds::for_tenancy(tenancy);
    if let Some(n) = args.data_filters_in_flight {
        bounds.in_flight = n;
    }
    if let Some(wait) = args.data_filter_wait {
        bounds.wait = wait;
    }
    if let Some(n) = args.data_results_per_sandbox {
        bounds.kept = n;
    }
    if let Some(bytes) = args.data_result_bytes_per_sandbox {
        bounds.kept_bytes = bytes;
    }
    bounds
}

/// `--gateway-*`, when the gateway is on.
fn gateway_config(args: &ServeArgs) -> Option<crate::gateway::GatewayConfig> {
    let listen = args.gateway_listen?;
    let mut limits = crate::gateway::limits::GatewayLimits::DEFAULT;
    if let Some(per_second) = args.gateway_rate {
        limits.sandbox_rate = Rate { per_second, burst: per_second.saturating_mul(4) };
    }
    if let Some(max) = args.gateway_max_connections {
        limits.per_sandbox = max;
    }
    if let Some(idle) = args.gateway_idle {
        limits.idle = idle;
    }
    if let Some(bytes) = args.gateway_max_reply_bytes {
        limits.max_reply_bytes = bytes;
    }
    let tls = match (&args.gateway_tls_cert, &args.gateway_tls_key) {
        (Some(cert), Some(key)) => {
            Some(crate::gateway::tls::TlsFiles { cert: cert.clone(), key: key.clone() })
        }
        _ => None,
    };
    Some(crate::gateway::GatewayConfig { listen, tls, limits })
}

/// `~/.local/share/bolide` on Linux (the XDG data dir), the platform's
/// equivalent elsewhere.
/// `2gb`, `512mb`, `64kb` or a number of bytes (Redis's own units, 1024
/// based), as bytes; at least 1 MiB (Redis could not start its own keys).
fn parse_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => lower.split_at(at),
        None => (lower.as_str(), ""),
    };
    let unit: u64 = match unit {
        "" | "b" => 1,
        "kb" | "k" => 1 << 10,
        "mb" | "m" => 1 << 20,
        "gb" | "g" => 1 << 30,
        _ => return Err(format!("{text:?}: a size is a number of bytes, or ends in kb, mb or gb")),
    };
    let bytes = digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .ok_or_else(|| format!("{text:?}: a size is a number of bytes, or ends in kb, mb or gb"))?;
    if bytes < 1 << 20 {
        return Err(format!("{text:?}: at least 1mb"));
    }
    Ok(bytes)
}

fn default_data_dir() -> Result<PathBuf, StartError> {
    dirs::data_local_dir().map(|dir| dir.join("bolide")).ok_or(StartError::NoDataDir)
}

/// Logs go to stderr; `RUST_LOG` overrides the default level (`info`).
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_in_redis_units() {
        assert_eq!(parse_size("2gb"), Ok(2 << 30));
        assert_eq!(parse_size("512MB"), Ok(512 << 20));
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert!(parse_size("10kb").is_err(), "too small");
        assert!(parse_size("2 gb").is_err());
        assert!(parse_size("gb").is_err());
        assert!(parse_size("99999999999999gb").is_err(), "overflow");
    }
}
