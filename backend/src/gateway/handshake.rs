//! The commands a client sends about its *connection* rather than its
//! data — most of them on its own, while connecting — answered by the
//! gateway, since the console refuses them ("connection commands") and
//! clients stop working without an answer:
//!
//! - `AUTH [user] pass`, `HELLO [2|3] [AUTH user pass] [SETNAME name]`: log
//!   in, choose RESP2 or RESP3 (redis-py `protocol=3`, `redis-cli -3`);
//! - `PING`, `QUIT`;
//! - `RESET`, as Redis does it: logs out (shared mode: `NOAUTH` again),
//!   discards `MULTI`, back to RESP2, database 0, no client name; also
//!   before login and inside `MULTI` (Redis never queues it);
//! - `CLIENT SETINFO` / `SETNAME` / `GETNAME` / `ID` (redis-py sends
//!   `SETINFO` after every connect);
//! - `SELECT 0` in shared mode (a sandbox has one database; redis-py sends
//!   it for `db=0` in some versions); other indexes go to the relay, which
//!   refuses them as the console does;
//! - `COMMAND DOCS` (redis-cli's hints, asked for on start): an empty
//!   answer, so redis-cli shows no hints;
//! - `CONFIG GET save` / `appendonly` in shared mode (redis-benchmark asks
//!   before it starts): "not saving", which is what a sandbox may know.
//!
//! Before login only `AUTH`, `HELLO`, `PING`, `QUIT` and `RESET` are answered;
//! everything else gets `NOAUTH` (see [`super::session`]).

use bolide_shared::cli::Reply;

use super::codec::{Protocol, Shape};
use super::session::Connection;

/// The commands this module may answer (never run concurrently with
/// others: they change or read the connection's state).
pub fn is_connection_command(name: &str) -> bool {
    matches!(name, "AUTH" | "HELLO" | "PING" | "QUIT" | "RESET" | "SELECT" | "CLIENT" | "COMMAND" | "CONFIG")
}

/// The gateway's answer to `args` (`name` is `args[0]` upper-case), or
/// `None` for the relay to run it.
pub(super) async fn answer(conn: &mut Connection, args: &[Vec<u8>], name: &str) -> Option<(Reply, Shape)> {
    let logged_in = conn.session().is_some();
    let in_tx = conn.session().is_some_and(|s| s.state.in_tx);
    let arg = |i: usize| args.get(i).map(|a| a.to_ascii_uppercase());
    let plain = |reply: Reply| Some((reply, Shape::Plain));
    match name {
        "AUTH" => plain(match args.len() {
            2 => conn.log_in(b"default", &args[1]).await,
            3 => conn.log_in(&args[1], &args[2]).await,
            _ => wrong_arity("auth"),
        }),
        "HELLO" => Some(hello(conn, args).await),
        "PING" if !in_tx || !logged_in => plain(match args.len() {
            1 => Reply::Status("PONG".into()),
            2 => Reply::Bulk(args[1].clone()),
            _ => wrong_arity("ping"),
        }),
        "QUIT" => {
            conn.closing = true;
            plain(Reply::Status("OK".into()))
        }
        "RESET" => plain(if args.len() == 1 {
            conn.reset();
            Reply::Status("RESET".into())
        } else {
            wrong_arity("reset")
        }),
        _ if !logged_in => None,
        "SELECT" if conn.gateway.shared && args.len() == 2 && args[1] == b"0" && !in_tx => {
            plain(Reply::Status("OK".into()))
        }
        "CLIENT" => match arg(1).as_deref() {
            Some(b"SETINFO") if args.len() == 4 => plain(Reply::Status("OK".into())),
            Some(b"SETNAME") if args.len() == 3 => {
                plain(if args[2].iter().any(|b| *b <= b' ' || *b > b'~') {
                    Reply::Error(
                        "ERR Client names cannot contain spaces, newlines or special characters.".into(),
                    )
                } else {
                    conn.name = Some(args[2].clone()).filter(|n| !n.is_empty());
                    Reply::Status("OK".into())
                })
            }
            Some(b"GETNAME") if args.len() == 2 => plain(conn.name.clone().map_or(Reply::Nil, Reply::Bulk)),
            Some(b"ID") if args.len() == 2 => {
                plain(Reply::Integer(i64::try_from(conn.id).unwrap_or(i64::MAX)))
            }
            _ => None,
        },
        "COMMAND" if arg(1).as_deref() == Some(b"DOCS") => Some((Reply::Array(Vec::new()), Shape::Map)),
        "CONFIG" if conn.gateway.shared && arg(1).as_deref() == Some(b"GET") && args.len() > 2 => {
            let mut pairs = Vec::new();
            for parameter in &args[2..] {
                let value: &[u8] = match parameter.to_ascii_lowercase().as_slice() {
                    b"save" => b"",
                    b"appendonly" => b"no",
                    _ => return None,
                };
                pairs.extend([Reply::Bulk(parameter.to_ascii_lowercase()), Reply::Bulk(value.to_vec())]);
            }
            Some((Reply::Array(pairs), Shape::Map))
        }
        _ => None,
    }
}

/// `HELLO [protover [AUTH user pass] [SETNAME name]]`.
async fn hello(conn: &mut Connection, args: &[Vec<u8>]) -> (Reply, Shape) {
    let error = |text: &str| (Reply::Error(text.into()), Shape::Plain);
    let protocol = match args.get(1).map(Vec::as_slice) {
        None => conn.protocol,
        Some(b"2") => Protocol::Resp2,
        Some(b"3") => Protocol::Resp3,
        Some(version) if std::str::from_utf8(version).is_ok_and(|v| v.parse::<i64>().is_ok()) => {
            return error("NOPROTO unsupported protocol version");
        }
        Some(_) => return error("ERR Protocol version is not an integer or out of range"),
    };
    let mut name = None;
    let mut i = 2;
    while i < args.len() {
        match args[i].to_ascii_uppercase().as_slice() {
            b"AUTH" if i + 2 < args.len() => {
                let reply = conn.log_in(&args[i + 1], &args[i + 2]).await;
                if matches!(reply, Reply::Error(_)) {
                    return (reply, Shape::Plain);
                }
                i += 3;
            }
            b"SETNAME" if i + 1 < args.len() => {
                name = Some(args[i + 1].clone());
                i += 2;
            }
            _ => return error("ERR Syntax error in HELLO option"),
        }
    }
    if conn.session().is_none() {
        return error(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> \
             AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol \
             version at the same time",
        );
    }
    conn.protocol = protocol;
    if name.is_some() {
        conn.name = name;
    }
    let bulk = |text: &str| Reply::Bulk(text.as_bytes().to_vec());
    let proto = if protocol == Protocol::Resp3 { 3 } else { 2 };
    let fields = vec![
        bulk("server"),
        bulk("redis"),
        bulk("version"),
        bulk(REDIS_VERSION_SPOKEN),
        bulk("proto"),
        Reply::Integer(proto),
        bulk("id"),
        Reply::Integer(i64::try_from(conn.id).unwrap_or(i64::MAX)),
        bulk("mode"),
        bulk("standalone"),
        bulk("role"),
        bulk("master"),
        bulk("modules"),
        Reply::Array(Vec::new()),
    ];
    (Reply::Array(fields), Shape::Map)
}

/// The Redis version `HELLO` reports: the command set the gateway speaks
/// (client libraries pick features by it), not the server behind it.
const REDIS_VERSION_SPOKEN: &str = "7.0.0";

fn wrong_arity(command: &str) -> Reply {
    Reply::Error(format!("ERR wrong number of arguments for '{command}' command"))
}
