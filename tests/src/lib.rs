//! Bolide's test kit: real processes, started per test, stopped on drop.
//!
//! - [`RedisServer`]: a real `redis-server` on a free loopback port in its own
//!   temp dir. No test uses the machine's 6379 server, and nothing here mocks
//!   Redis: what the tests see is what students get.
//! - [`BolideProcess`]: the real `bolide` binary, with the addresses it
//!   printed at start-up; [`WorkerProcess`]: a `bolide worker`.
//! - [`Browser`]: headless Chromium driven over WebDriver (chromedriver).
//! - [`http`]: a tiny HTTP client for API calls.
//! - [`lighthouse`]: the pinned Lighthouse on Debian's Chromium.
//!
//! Every helper kills what it started when dropped, so a failing assertion
//! leaves no process behind.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

pub mod browser;
pub mod http;
pub mod lighthouse;

pub use browser::Browser;

/// A port the OS says is free right now.
pub fn free_port() -> u16 {
    TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Polls `check` every 20 ms until it returns true or `timeout` passes.
pub fn wait_until(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether a process with this pid exists (and is not a zombie we reaped).
pub fn process_alive(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) else {
        return false;
    };
    if rustix::process::test_kill_process(pid).is_err() {
        return false;
    }
    // A zombie still "exists" for kill(0); /proc tells it apart.
    match std::fs::read_to_string(format!("/proc/{}/stat", pid.as_raw_nonzero())) {
        Ok(stat) => !stat.rsplit(')').next().is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

/// Sends a signal to a process, ignoring "no such process".
pub fn send_signal(pid: u32, signal: rustix::process::Signal) {
    if let Some(pid) = i32::try_from(pid).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, signal);
    }
}

pub use rustix::process::Signal;

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(
        &SocketAddrV4::new(Ipv4Addr::LOCALHOST, port).into(),
        Duration::from_millis(200),
    )
    .is_ok()
}

/// A real `redis-server` for one test, on a free port in a temp dir.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    persistent: bool,
    /// Configuration given on its command line (`--name value`), kept
    /// across [`Self::restart`].
    config: Vec<(String, String)>,
}

impl RedisServer {
    /// Starts a server that keeps nothing on disk.
    pub fn start() -> Self {
        Self::start_with(false)
    }

    /// Starts a server with the AOF on (for persistence tests).
    pub fn start_persistent() -> Self {
        Self::start_with(true)
    }

    /// Starts a server that keeps nothing on disk, configured with
    /// `config` (names and values, e.g. `("hash-max-listpack-entries", "8")`;
    /// a value of several words is given as that many arguments:
    /// `("rename-command", "CONFIG hidden")`).
    pub fn start_configured(config: &[(&str, &str)]) -> Self {
        let config = config.iter().map(|(name, value)| (name.to_string(), value.to_string())).collect();
        Self::start_as(false, config)
    }

    fn start_with(persistent: bool) -> Self {
        Self::start_as(persistent, Vec::new())
    }

    fn start_as(persistent: bool, config: Vec<(String, String)>) -> Self {
        let dir = tempfile::Builder::new().prefix("bolide-redis-").tempdir().expect("temp dir");
        let mut server = Self { child: None, port: 0, dir, persistent, config };
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("could not start redis-server; see {}", server.dir.path().join("redis.log").display());
    }

    fn spawn(&mut self) -> bool {
        let log = self.dir.path().join("redis.log");
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--daemonize", "no"])
            .args(["--dir", &self.dir.path().display().to_string(), "--logfile", &log.display().to_string()])
            .args(["--save", ""])
            .args(["--appendonly", if self.persistent { "yes" } else { "no" }])
            .args(self.config.iter().flat_map(|(name, value)| {
                std::iter::once(format!("--{name}")).chain(value.split(' ').map(str::to_string))
            }))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child =
            command.spawn().expect("redis-server is not installed (the README's test command installs it)");
        let port = self.port;
        let up =
            wait_until(Duration::from_secs(10), || matches!(child.try_wait(), Ok(None)) && redis_ping(port));
        if up {
            self.child = Some(child);
        } else {
            let _ = child.kill();
            let _ = child.wait();
        }
        up
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's process id (to stop it with `SIGSTOP`, say), while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A blocking connection for setting up and checking test data.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url()).and_then(|c| c.get_connection()).expect("connect to test redis")
    }

    /// Every key and its `DUMP` in databases 0–15, except the keys `skip`
    /// says change by design (e.g. session bookkeeping): comparing two
    /// snapshots proves a request changed nothing.
    pub fn snapshot(&self, skip: impl Fn(u32, &[u8]) -> bool) -> Vec<(u32, Vec<u8>, Vec<u8>)> {
        let mut all = Vec::new();
        for db in 0..16 {
            let mut conn = redis::Client::open(format!("redis://127.0.0.1:{}/{db}", self.port))
                .and_then(|c| c.get_connection())
                .expect("connect");
            let mut keys: Vec<Vec<u8>> = redis::cmd("KEYS").arg("*").query(&mut conn).expect("KEYS");
            keys.sort();
            for key in keys {
                if skip(db, &key) {
                    continue;
                }
                let dump: Vec<u8> = redis::cmd("DUMP").arg(&key).query(&mut conn).expect("DUMP");
                all.push((db, key, dump));
            }
        }
        all
    }

    /// Kills the server at once (SIGKILL), as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and dir (after [`Self::kill`]).
    pub fn restart(&mut self) {
        self.kill();
        assert!(
            wait_until(Duration::from_secs(10), || self.spawn()),
            "redis-server did not come back on port {}",
            self.port
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One PING over a plain socket (no client library state involved).
pub fn redis_ping(port: u16) -> bool {
    let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else {
        return false;
    };
    let Ok(mut conn) = client.get_connection_with_timeout(Duration::from_millis(300)) else {
        return false;
    };
    redis::cmd("PING").query::<String>(&mut conn).is_ok()
}

/// Where the `bolide` binary is: `$BOLIDE_BIN`, else next to this test's
/// executable in Cargo's target dir (`target/debug/bolide`).
pub fn bolide_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("BOLIDE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("current exe");
    // target/debug/deps/<test> -> target/debug/bolide
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir.join("bolide");
    assert!(
        bin.is_file(),
        "{} not built: run `cargo build -p bolide` first (the README's test command does)",
        bin.display()
    );
    bin
}

/// The workspace root (where `dist/` and `docs/` live).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// A running `bolide` process and what it printed at start-up.
pub struct BolideProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    /// Port of the Redis it uses (embedded or external).
    pub redis_port: u16,
    /// Pid of the embedded `redis-server`, if it started one.
    pub redis_pid: Option<u32>,
    stdout_lines: mpsc::Receiver<String>,
    /// Every line it printed so far, stdout and stderr (see [`Self::log`]).
    log: Arc<Mutex<Vec<String>>>,
}

impl BolideProcess {
    /// Runs `bolide serve --listen 127.0.0.1:0 <args>` and waits until it
    /// prints the address it listens on.
    pub fn serve(args: &[&str], envs: &[(&str, &str)]) -> Self {
        let mut command = Command::new(bolide_bin());
        command
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("REDIS_URL")
            .env("RUST_LOG", "warn")
            .envs(envs.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn bolide");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let log: Arc<Mutex<Vec<String>>> = Arc::default();
        let (tx, rx) = mpsc::channel();
        let stdout_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                stdout_log.lock().unwrap_or_else(|p| p.into_inner()).push(line.clone());
                let _ = tx.send(line);
            }
        });
        let stderr_log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                // Still shown, as an inherited stderr would be.
                eprintln!("{line}");
                stderr_log.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let mut process =
            Self { child, base_url: String::new(), redis_port: 0, redis_pid: None, stdout_lines: rx, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        while process.base_url.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match process.stdout_lines.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => panic!("bolide did not start (exit status: {:?})", process.child.try_wait()),
            };
            process.read_startup_line(&line);
        }
        process
    }

    fn read_startup_line(&mut self, line: &str) {
        if let Some(addr) = line.strip_prefix("Bolide listening on ") {
            self.base_url = addr.trim().to_string();
        } else if line.starts_with("Redis ") {
            // "Redis 7.0.15 (embedded) on 127.0.0.1:PORT (pid N), data in DIR"
            // "Redis (external) at HOST:PORT"
            let after_colon = |s: &str| {
                s.split(':').nth(1).map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>())
            };
            if let Some(rest) = line.split(" on ").nth(1).or_else(|| line.split(" at ").nth(1)) {
                self.redis_port = after_colon(rest).and_then(|p| p.parse().ok()).unwrap_or(0);
            }
            if let Some(rest) = line.split("(pid ").nth(1) {
                self.redis_pid = rest.split(')').next().and_then(|p| p.parse().ok());
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it printed so far (stdout and stderr: its log), a line each.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n")
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    /// Sends SIGTERM and waits (up to 30 s) for a clean exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        send_signal(self.child.id(), Signal::TERM);
        self.wait_exit(Duration::from_secs(30)).expect("bolide did not exit after SIGTERM")
    }

    /// SIGKILL: no chance to clean up (the embedded Redis must still go).
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for BolideProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            send_signal(self.child.id(), Signal::TERM);
            if self.wait_exit(Duration::from_secs(15)).is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }
    }
}

/// A running `bolide worker` (the analysis jobs' worker program).
pub struct WorkerProcess {
    child: Child,
    /// Its worker id (`<host>:<pid>:<random>`), as jobs name it.
    pub id: String,
}

impl WorkerProcess {
    /// Runs `bolide worker --redis-url <redis_url> <args>` and waits until
    /// it prints its id.
    pub fn start(redis_url: &str, args: &[&str]) -> Self {
        let mut child = Command::new(bolide_bin())
            .arg("worker")
            .args(["--redis-url", redis_url])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn bolide worker");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // Keeps draining after start-up, so the worker never blocks on
            // a full pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                // "Bolide worker <id> on <host:port>"
                Ok(line) => {
                    if let Some(rest) = line.strip_prefix("Bolide worker ") {
                        let id = rest.split(" on ").next().unwrap_or_default().to_string();
                        return Self { child, id };
                    }
                }
                Err(_) => panic!("bolide worker did not start (exit status: {:?})", child.try_wait()),
            }
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: the worker dies mid-whatever, as in a crash.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (up to 30 s) for its graceful exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        send_signal(self.child.id(), Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(Instant::now() < deadline, "bolide worker did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            send_signal(self.child.id(), Signal::TERM);
            let deadline = Instant::now() + Duration::from_secs(15);
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
