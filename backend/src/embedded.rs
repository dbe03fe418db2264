//! Bolide's own `redis-server`: the one-command laptop experience.
//!
//! Without `--redis-url`, Bolide starts `redis-server` as a child process:
//! bound to loopback, on the port it used last time (so a student's Python
//! script keeps working across restarts) or else any free port, with its data
//! under `<data-dir>/redis`.
//!
//! **Persistence** is on: append-only file with `appendfsync everysec`, and no
//! automatic RDB snapshots (`save ""`). The AOF logs every write and fsyncs it
//! from a background thread once a second, so a crash loses at most about a
//! second of writes whatever the write rate, and a restart replays the log.
//! `save 1 1` would instead fork and rewrite the *whole* dataset after any
//! second with a write — fine for a few keys, wasteful with a million
//! meteorites. Manual `SAVE`/`BGSAVE` still work (the persistence lesson uses
//! them).
//!
//! **No orphans.** The child is stopped in order on exit (`SHUTDOWN`, which
//! flushes the AOF; then SIGTERM; then SIGKILL if it still lingers). If Bolide
//! itself is killed (even with SIGKILL), Linux delivers SIGTERM to the child
//! through `PR_SET_PDEATHSIG`, set between fork and exec. The child also gets
//! its own process group, so a Ctrl-C in the terminal reaches Bolide only and
//! Bolide stops Redis after the HTTP server has drained.
//!
//! **Protected settings**: loopback only, protected mode, `DEBUG` and
//! `MODULE` off, `maxmemory` ([`EmbeddedOptions::maxmemory`], 2 GiB unless
//! `--redis-maxmemory` says otherwise) with `noeviction` (writes fail with
//! OOM past it, nothing is evicted), and a normal client's output buffer
//! bounded at [`CLIENT_OUTPUT_LIMIT`] (Redis closes a client whose unread
//! replies grow past it, rather than holding gigabytes for it).
//!
//! **Restart for the persistence lesson.** [`EmbeddedControl`] lets a
//! request handler restart the server in place (same port, same data dir,
//! the lock still held): with the AOF loaded, as after any clean stop, or
//! without it, as a server without persistence would come back. The caller
//! that starts without the AOF must turn it back on (`CONFIG SET appendonly
//! yes`, see `guides::restart`), so Bolide's normal setting holds again.
//!
//! **Supervised.** When the server exits without Bolide asking (`kill -9`,
//! a student's `SHUTDOWN` from a terminal, a crash), [`supervisor`] logs why
//! (its exit status and the last lines of its log) and starts it again on
//! the same port and data dir, so the AOF is replayed; see that module for
//! the backoff and when it gives up.
//!
//! **One server per data dir.** Two Redis servers appending to one AOF would
//! corrupt it, so an exclusive lock on `<data-dir>/redis/bolide.lock` is held
//! for as long as a server may write there: by Bolide, *and* by the
//! `redis-server` child, which inherits the locked file (an `flock` lasts
//! until every process holding the file has closed it). So after a `kill -9`
//! of Bolide, whose child is still shutting down (SIGTERM through
//! `PR_SET_PDEATHSIG`), a new Bolide on the same dir waits for the lock —
//! for the old server to be gone — up to [`LOCK_WAIT`], and then finds last
//! time's port free and takes it again.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use thiserror::Error;
use tokio::process::{Child, Command};

mod supervisor;

pub use supervisor::Supervision;

/// Oldest Redis Bolide supports (it uses Redis 7 key specs, ACL selectors,
/// `LMPOP`, multi-part AOF).
pub const MIN_REDIS_MAJOR: u32 = 7;

/// The install hint printed when `redis-server` is missing or too old.
pub const INSTALL_HINT: &str =
    "install Redis 7 or newer: `sudo apt-get install redis-server` (Debian/Ubuntu) or `brew install redis` (macOS)";

/// How long Redis may take to answer its first PING (it may be replaying a
/// large AOF).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a clean `SHUTDOWN` may take before Bolide escalates.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a starting Bolide waits for the data dir's lock: for the
/// `redis-server` of a Bolide that was just killed to finish exiting.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// How to start the embedded server.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// The `redis-server` program (a name looked up on `PATH`, or a path).
    pub program: PathBuf,
    /// Bolide's data dir; Redis's files go in its `redis/` subfolder.
    pub data_dir: PathBuf,
    /// A fixed port, or `None` for "last time's if free, else any free one".
    pub port: Option<u16>,
    /// Redis's `maxmemory`, in bytes ([`DEFAULT_MAXMEMORY`] unless set).
    pub maxmemory: u64,
}

/// The embedded Redis's `maxmemory` unless `--redis-maxmemory` says
/// otherwise: 2 GiB.
pub const DEFAULT_MAXMEMORY: u64 = 2 << 30;
/// `client-output-buffer-limit normal`: the hard limit (no soft limit).
pub const CLIENT_OUTPUT_LIMIT: &str = "512mb";

#[derive(Debug, Error)]
pub enum EmbeddedError {
    #[error("`{program}` was not found: {INSTALL_HINT}")]
    NotFound { program: String },
    #[error("`{program}` is Redis {found}, Bolide needs {MIN_REDIS_MAJOR}.0 or newer: {INSTALL_HINT}")]
    TooOld { program: String, found: String },
    #[error("cannot tell the version of `{program}` (it printed {output:?}): {INSTALL_HINT}")]
    UnknownVersion { program: String, output: String },
    #[error(
        "another Bolide is already using {dir}, or the redis-server a previous one started is still running \
         there (waited {LOCK_WAIT:?}; stop it first, or pass a different --data-dir)"
    )]
    DataDirInUse { dir: String },
    #[error("cannot prepare the data dir {dir}: {source}")]
    DataDir { dir: String, source: io::Error },
    #[error("cannot start `{program}`: {source}")]
    Spawn { program: String, source: io::Error },
    #[error("redis-server exited during start-up ({status}); its log {log} ends with:\n{tail}")]
    Exited { status: String, log: String, tail: String },
    #[error("redis-server did not answer PING within {0:?}")]
    StartTimeout(Duration),
}

/// A running `redis-server` child. Stop it with [`EmbeddedRedis::stop`];
/// dropping it kills the process as a last resort.
#[derive(Debug)]
pub struct EmbeddedRedis {
    child: Child,
    program: PathBuf,
    pid: u32,
    port: u16,
    maxmemory: u64,
    version: String,
    redis_dir: PathBuf,
    /// When the running child answered its first PING.
    ready_at: Instant,
    /// Where the running child's lines start in `redis.log`.
    log_start: u64,
    /// Held for the life of the server, and inherited by each child: see
    /// the module docs.
    lock: File,
}

impl EmbeddedRedis {
    /// Checks the program, locks the data dir, picks a port, starts Redis and
    /// waits until it answers PING.
    pub async fn start(options: &EmbeddedOptions) -> Result<Self, EmbeddedError> {
        let version = check_version(&options.program).await?;
        let redis_dir = options.data_dir.join("redis");
        let dir_error = |source| EmbeddedError::DataDir { dir: redis_dir.display().to_string(), source };
        fs::create_dir_all(&redis_dir).map_err(dir_error)?;
        let lock = lock_data_dir_waiting(&redis_dir, LOCK_WAIT).await?;
        let port_file = redis_dir.join("port");

        // A free port can be taken by someone else between our probe and
        // Redis's bind; a new pick usually settles it.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let port = match options.port {
                Some(port) => port,
                None => pick_port(&port_file),
            };
            match spawn_and_wait(&options.program, &redis_dir, port, options.maxmemory, true, &lock).await {
                Ok((child, log_start)) => {
                    // Remembering is a convenience; failing to is harmless.
                    let _ = fs::write(&port_file, port.to_string());
                    let pid = child.id().unwrap_or_default();
                    let program = options.program.clone();
                    let ready_at = Instant::now();
                    return Ok(Self {
                        child,
                        program,
                        pid,
                        port,
                        maxmemory: options.maxmemory,
                        version,
                        redis_dir,
                        ready_at,
                        log_start,
                        lock,
                    });
                }
                Err(EmbeddedError::Exited { tail, .. })
                    if options.port.is_none() && attempts < 4 && tail.contains("Address already in use") =>
                {
                    tracing::warn!(port, "port taken while starting redis-server, trying another");
                    let _ = fs::remove_file(&port_file);
                }
                Err(err) => return Err(err),
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The `redis-server --version` number, e.g. `7.0.15`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Where Redis keeps its AOF, its log and Bolide's lock and port files.
    pub fn redis_dir(&self) -> &Path {
        &self.redis_dir
    }

    /// `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// The command line that starts this server, as a shell would take it
    /// (shown to students by the guide about running Redis).
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.display().to_string())
            .chain(server_args(&self.redis_dir, self.port, self.maxmemory).into_iter().map(|arg| {
                match arg.as_str() {
                    "" => "\"\"".to_string(),
                    _ => arg,
                }
            }))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Stops Redis cleanly and starts it again on the same port and data
    /// dir. With `load_aof`, the new server replays the AOF that `SHUTDOWN`
    /// fsynced, so every key survives; without it, the server starts with
    /// `appendonly no` and so reads only an RDB snapshot, if the student
    /// made one with `SAVE`: a server without persistence. The AOF files are
    /// left as they are; see the module docs for turning it back on.
    pub async fn restart(&mut self, load_aof: bool) -> Result<(), EmbeddedError> {
        self.halt().await;
        self.respawn(load_aof).await
    }

    /// Starts a new child in place of one that has exited (same port, same
    /// data dir, the lock still held).
    async fn respawn(&mut self, load_aof: bool) -> Result<(), EmbeddedError> {
        let (child, log_start) =
            spawn_and_wait(&self.program, &self.redis_dir, self.port, self.maxmemory, load_aof, &self.lock)
                .await?;
        self.pid = child.id().unwrap_or_default();
        self.child = child;
        self.ready_at = Instant::now();
        self.log_start = log_start;
        Ok(())
    }

    /// The child's exit status, once it has exited (and is reaped).
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last lines the running (or just exited) child wrote to its log.
    fn log_tail(&self) -> String {
        log_tail(&self.redis_dir.join("redis.log"), self.log_start)
    }

    /// Stops Redis cleanly: `SHUTDOWN` (flushes the AOF), then SIGTERM, then
    /// SIGKILL, waiting in between.
    pub async fn stop(mut self) {
        self.halt().await;
    }

    async fn halt(&mut self) {
        if self.exited().is_some() {
            // Already gone (and reaped): its pid may be another process's now.
            return;
        }
        let shutdown_sent = send_shutdown(self.port).await;
        if !shutdown_sent {
            signal(self.pid, rustix::process::Signal::TERM);
        }
        match tokio::time::timeout(STOP_TIMEOUT, self.child.wait()).await {
            Ok(Ok(status)) => tracing::info!(%status, "embedded redis-server stopped"),
            Ok(Err(err)) => tracing::warn!(%err, "waiting for redis-server failed"),
            Err(_) => {
                tracing::warn!("redis-server did not stop in {STOP_TIMEOUT:?}; killing it");
                let _ = self.child.kill().await;
            }
        }
    }
}

/// The running embedded server, shared between `serve` (which stops it at
/// the end) and the request handlers that may restart it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EmbeddedControl {
    server: Arc<tokio::sync::Mutex<Option<EmbeddedRedis>>>,
    command_line: Arc<str>,
    /// What the supervisor is doing, for health.
    supervision: Arc<std::sync::Mutex<Supervision>>,
}

impl EmbeddedControl {
    pub fn new(server: EmbeddedRedis) -> Self {
        let command_line = server.command_line().into();
        Self {
            server: Arc::new(tokio::sync::Mutex::new(Some(server))),
            command_line,
            supervision: Arc::new(std::sync::Mutex::new(Supervision::Running)),
        }
    }

    /// Whether the server runs, is being restarted, or was given up on.
    pub fn supervision(&self) -> Supervision {
        self.supervision.lock().map(|s| s.clone()).unwrap_or(Supervision::Running)
    }

    fn set_supervision(&self, supervision: Supervision) {
        if let Ok(mut current) = self.supervision.lock() {
            *current = supervision;
        }
    }

    /// The command line that starts the server.
    pub fn command_line(&self) -> &str {
        &self.command_line
    }

    /// Exclusive use of the server (`None` once stopped): one restart at a time.
    pub async fn lock(&self) -> tokio::sync::MutexGuard<'_, Option<EmbeddedRedis>> {
        self.server.lock().await
    }

    /// Stops the server for good (waits for a restart in progress).
    pub async fn stop(&self) {
        let server = self.server.lock().await.take();
        if let Some(server) = server {
            server.stop().await;
        }
    }
}

/// Runs `redis-server --version` and checks it is at least 7.0.
async fn check_version(program: &Path) -> Result<String, EmbeddedError> {
    let name = program.display().to_string();
    let output = match Command::new(program).arg("--version").stdin(Stdio::null()).output().await {
        Ok(output) => output,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Err(EmbeddedError::NotFound { program: name });
        }
        Err(source) => return Err(EmbeddedError::Spawn { program: name, source }),
    };
    let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
    let Some(version) = parse_version(&text) else {
        return Err(EmbeddedError::UnknownVersion { program: name, output: text });
    };
    let major: u32 = version.split('.').next().and_then(|m| m.parse().ok()).unwrap_or(0);
    if major < MIN_REDIS_MAJOR {
        return Err(EmbeddedError::TooOld { program: name, found: version });
    }
    Ok(version)
}

/// `Redis server v=7.0.15 sha=… malloc=…` → `7.0.15`.
fn parse_version(text: &str) -> Option<String> {
    text.split_whitespace()
        .find_map(|word| word.strip_prefix("v="))
        .filter(|v| v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_string)
}

fn lock_data_dir(redis_dir: &Path) -> Result<File, EmbeddedError> {
    let path = redis_dir.join("bolide.lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| EmbeddedError::DataDir { dir: redis_dir.display().to_string(), source })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => {
            Err(EmbeddedError::DataDirInUse { dir: redis_dir.display().to_string() })
        }
        Err(fs::TryLockError::Error(source)) => {
            Err(EmbeddedError::DataDir { dir: redis_dir.display().to_string(), source })
        }
    }
}

/// [`lock_data_dir`], waiting up to `wait` while another process holds it
/// (the `redis-server` of a Bolide killed a moment ago, still exiting).
async fn lock_data_dir_waiting(redis_dir: &Path, wait: Duration) -> Result<File, EmbeddedError> {
    let deadline = Instant::now() + wait;
    let mut logged = false;
    loop {
        match lock_data_dir(redis_dir) {
            Err(EmbeddedError::DataDirInUse { .. }) if Instant::now() < deadline => {
                if !logged {
                    logged = true;
                    tracing::info!(dir = %redis_dir.display(), "data dir in use; waiting for its redis-server to exit");
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            other => return other,
        }
    }
}

/// Last time's port when it is still free, else one the OS hands out.
fn pick_port(port_file: &Path) -> u16 {
    let remembered = fs::read_to_string(port_file).ok().and_then(|s| s.trim().parse::<u16>().ok());
    if let Some(port) = remembered.filter(|&p| p != 0 && port_is_free(p)) {
        return port;
    }
    free_port().unwrap_or(0)
}

fn port_is_free(port: u16) -> bool {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).is_ok()
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))?.local_addr()?.port())
}

/// The `redis-server` arguments: loopback only, persistence on, and the
/// commands that could harm the host switched off at the server itself.
pub fn server_args(redis_dir: &Path, port: u16, maxmemory: u64) -> Vec<String> {
    server_args_with_aof(redis_dir, port, maxmemory, true)
}

/// [`server_args`], with `appendonly` on or off.
fn server_args_with_aof(redis_dir: &Path, port: u16, maxmemory: u64, aof: bool) -> Vec<String> {
    let dir = redis_dir.display().to_string();
    [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--protected-mode",
        "yes",
        "--dir",
        &dir,
        "--appendonly",
        if aof { "yes" } else { "no" },
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "no",
        "--enable-debug-command",
        "no",
        "--enable-module-command",
        "no",
        "--enable-protected-configs",
        "no",
        "--maxmemory",
        &maxmemory.to_string(),
        "--maxmemory-policy",
        "noeviction",
        "--client-output-buffer-limit",
        &format!("normal {CLIENT_OUTPUT_LIMIT} 0 0"),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Starts `redis-server` and waits until it answers PING; the child, and
/// where its lines start in the log. The child inherits `lock`.
async fn spawn_and_wait(
    program: &Path,
    redis_dir: &Path,
    port: u16,
    maxmemory: u64,
    aof: bool,
    lock: &File,
) -> Result<(Child, u64), EmbeddedError> {
    let log_path = redis_dir.join("redis.log");
    let log_error = |source| EmbeddedError::DataDir { dir: redis_dir.display().to_string(), source };
    let log = OpenOptions::new().create(true).append(true).open(&log_path).map_err(log_error)?;
    let log_start = log.metadata().map(|m| m.len()).unwrap_or(0);
    let log_err = log.try_clone().map_err(log_error)?;

    let mut command = Command::new(program);
    command
        .args(server_args_with_aof(redis_dir, port, maxmemory, aof))
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        // Own process group: a terminal's Ctrl-C goes to Bolide, which then
        // stops Redis in order.
        .process_group(0)
        // Last resort if Bolide's own shutdown never runs (e.g. a panic).
        .kill_on_drop(true);
    die_with_parent(&mut command, lock);
    let mut child = command
        .spawn()
        .map_err(|source| EmbeddedError::Spawn { program: program.display().to_string(), source })?;
    tracing::info!(pid = child.id(), port, dir = %redis_dir.display(), "started redis-server");

    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = child
            .try_wait()
            .map_err(|source| EmbeddedError::Spawn { program: program.display().to_string(), source })?
        {
            return Err(EmbeddedError::Exited {
                status: status.to_string(),
                log: log_path.display().to_string(),
                tail: log_tail(&log_path, log_start),
            });
        }
        if ping(port).await {
            return Ok((child, log_start));
        }
        if Instant::now() > deadline {
            let _ = child.kill().await;
            return Err(EmbeddedError::StartTimeout(START_TIMEOUT));
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Asks Linux to send the child SIGTERM when Bolide dies, however it dies,
/// and lets the child keep the data dir's `lock` (see the module docs).
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn die_with_parent(command: &mut Command, lock: &File) {
    use std::os::fd::{AsRawFd, BorrowedFd};
    let parent = rustix::process::getpid();
    let lock_fd = lock.as_raw_fd();
    // SAFETY: the closure runs in the forked child before exec and only makes
    // async-signal-safe system calls (fcntl, prctl, getppid); it allocates
    // nothing and touches no lock. `lock_fd` is open in the child: fork
    // copies every descriptor, and Bolide keeps `lock` open while spawning.
    unsafe {
        command.pre_exec(move || {
            // Clear close-on-exec: redis-server holds the lock until it exits.
            rustix::io::fcntl_setfd(BorrowedFd::borrow_raw(lock_fd), rustix::io::FdFlags::empty())?;
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::TERM))?;
            // Bolide may have died between fork and prctl: then nobody would
            // ever send the signal, so refuse to start.
            if rustix::process::getppid() != Some(parent) {
                return Err(io::Error::other("parent exited during spawn"));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command, _lock: &File) {}

fn signal(pid: u32, sig: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// One PING on a fresh connection, bounded in time.
async fn ping(port: u16) -> bool {
    let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else {
        return false;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        redis::cmd("PING").query_async::<String>(&mut conn).await.ok()
    };
    matches!(tokio::time::timeout(Duration::from_secs(1), attempt).await, Ok(Some(_)))
}

/// Sends `SHUTDOWN`; true when Redis took it (it closes the connection
/// instead of replying).
async fn send_shutdown(port: u16) -> bool {
    let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else {
        return false;
    };
    let attempt = async {
        let mut conn = client.get_multiplexed_async_connection().await.ok()?;
        match redis::cmd("SHUTDOWN").query_async::<()>(&mut conn).await {
            // A reply means Redis refused (e.g. it could not write the AOF).
            Ok(()) => Some(false),
            Err(err) if err.is_io_error() || err.is_connection_dropped() || err.is_unrecoverable_error() => {
                Some(true)
            }
            Err(err) => {
                tracing::warn!(%err, "redis-server refused SHUTDOWN");
                Some(false)
            }
        }
    };
    matches!(tokio::time::timeout(Duration::from_secs(5), attempt).await, Ok(Some(true)))
}

/// The last lines Redis wrote since `from`, for a start-up error message.
fn log_tail(path: &Path, from: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let _ = file.seek(SeekFrom::Start(from));
        let _ = file.take(64 * 1024).read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_redis_server_version_line() {
        let line = "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0";
        assert_eq!(parse_version(line).as_deref(), Some("7.0.15"));
        assert_eq!(parse_version("Redis server v=6.2.6 sha=0"), Some("6.2.6".into()));
        assert_eq!(parse_version("something else"), None);
        assert_eq!(parse_version("v= v=x"), None);
    }

    #[test]
    fn server_args_keep_redis_on_loopback_with_aof() {
        let args = server_args(Path::new("/tmp/x"), 7000, DEFAULT_MAXMEMORY).join(" ");
        assert!(args.contains("--bind 127.0.0.1"));
        assert!(args.contains("--appendonly yes --appendfsync everysec"));
        assert!(args.contains("--enable-debug-command no"));
        assert!(args.contains("--port 7000"));
        assert!(args.contains("--maxmemory 2147483648 --maxmemory-policy noeviction"));
        assert!(args.contains("--client-output-buffer-limit normal 512mb 0 0"));
    }

    #[test]
    fn remembered_port_is_reused_when_free() {
        let dir = tempfile_dir();
        let port_file = dir.join("port");
        let port = free_port().expect("free port");
        fs::write(&port_file, port.to_string()).expect("write");
        assert_eq!(pick_port(&port_file), port);
        // Taken: another port is chosen.
        let _taken = TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port)).expect("bind");
        assert_ne!(pick_port(&port_file), port);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn second_lock_on_a_data_dir_is_refused() {
        let dir = tempfile_dir();
        let _first = lock_data_dir(&dir).expect("first lock");
        assert!(matches!(lock_data_dir(&dir), Err(EmbeddedError::DataDirInUse { .. })));
        let _ = fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "bolide-unit-{}-{}",
            std::process::id(),
            free_port().unwrap_or(1)
        ));
        fs::create_dir_all(&dir).expect("temp dir");
        dir
    }
}
