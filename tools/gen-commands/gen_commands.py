#!/usr/bin/env python3
"""Generate Bolide's console command table from a real Redis.

Starts a throw-away ``redis-server`` on a free loopback port in a temporary
directory, asks it ``COMMAND`` (arity, flags, ACL categories, key specs) and
``COMMAND DOCS`` (summary, complexity, since, group, arguments), and writes
``shared/src/commands/generated.rs``.

Python 3 standard library only. Run by hand (see README.md beside this file);
the output is committed and reviewed like any other source file.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUTPUT = os.path.join(REPO, "shared", "src", "commands", "generated.rs")


# --------------------------------------------------------------------------
# A tiny RESP3 client. Talking the protocol directly (rather than parsing
# redis-cli's output) keeps the types Redis sends: maps stay maps, sets stay
# sets, and simple strings are distinguishable from bulk strings.
# --------------------------------------------------------------------------


class RespError(Exception):
    """An error reply from Redis."""


class Resp:
    def __init__(self, port, timeout=10.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            if isinstance(a, str):
                a = a.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        reply = self._read()
        if isinstance(reply, RespError):
            raise reply
        return reply

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("redis-server closed the connection")
        self.buf += chunk

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2 :]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2 :]
        return data

    def _read(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind in (b"-", b"!"):
            if kind == b"!":
                rest = self._exact(int(rest))
            return RespError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b",":
            return float(rest)
        if kind == b"#":
            return rest == b"t"
        if kind == b"_":
            return None
        if kind in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            data = self._exact(n)
            if kind == b"=":
                data = data[4:]  # "txt:" prefix of a verbatim string
            return data.decode()
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            return [self._read() for _ in range(n)]
        if kind == b"%":
            n = int(rest)
            result = {}
            for _ in range(n):
                k = self._read()
                result[k] = self._read()
            return result
        if kind == b"|":  # attributes: read and drop, then the real reply
            n = int(rest)
            for _ in range(2 * n):
                self._read()
            return self._read()
        raise ValueError("unexpected RESP type byte %r" % kind)


# --------------------------------------------------------------------------
# A throw-away redis-server.
# --------------------------------------------------------------------------


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScratchServer:
    """A redis-server on a free loopback port, persisting nothing, in a temp dir."""

    def __init__(self, program):
        self.program = program
        self.dir = tempfile.mkdtemp(prefix="bolide-gen-commands-")
        self.proc = None
        self.port = None

    def __enter__(self):
        last_error = None
        for _ in range(5):  # a free port can be taken between probe and bind
            self.port = free_port()
            try:
                self.proc = self._spawn()
            except OSError as err:
                self._cleanup()
                raise RuntimeError("could not run %s: %s" % (self.program, err)) from err
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = self._log_tail()
                    break
                try:
                    conn = Resp(self.port, timeout=2)
                    conn.call("PING")
                    conn.close()
                    return self
                except (OSError, RespError) as err:
                    last_error = str(err)
                    time.sleep(0.05)
            self._stop()
        self._cleanup()
        raise RuntimeError("could not start %s: %s" % (self.program, last_error))

    def _spawn(self):
        return subprocess.Popen(
            [
                self.program,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", self.dir,
                "--logfile", os.path.join(self.dir, "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def __exit__(self, *exc):
        self._stop()
        self._cleanup()

    def _log_tail(self):
        try:
            with open(os.path.join(self.dir, "redis.log")) as f:
                return f.read()[-2000:]
        except OSError:
            return "(no log)"

    def _stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def _cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------
# Turning Redis's replies into table rows.
# --------------------------------------------------------------------------


def table_name(redis_name):
    """'config|get' -> 'CONFIG GET' (how a student types it)."""
    return redis_name.replace("|", " ").upper()


def syntax_of(arguments):
    """The argument line redis-cli's HELP and hints show, built from COMMAND DOCS.

    Same rules as redis-cli (7.2+) uses on COMMAND DOCS: a token is written
    before its value; `oneof` joins alternatives with `|`, `block` with
    spaces; `optional` wraps in [...]; `multiple` appends ` [x ...]`,
    repeating the token only when the argument is `multiple_token`; an
    empty name or token is shown as "".
    """
    return " ".join(argument_syntax(a) for a in arguments)


def _or_empty(text):
    return text if text != "" else '""'


def argument_syntax(arg):
    kind = arg.get("type", "")
    flags = arg.get("flags", [])
    token = _or_empty(arg["token"]) if "token" in arg else ""
    if kind in ("key", "string", "integer", "double", "pattern", "unix-time", "token"):
        repeat = _or_empty(arg.get("name", ""))
    elif kind == "oneof":
        repeat = "|".join(argument_syntax(a) for a in arg.get("arguments", []))
    elif kind == "block":
        repeat = " ".join(argument_syntax(a) for a in arg.get("arguments", []))
    elif kind == "pure-token":
        repeat = ""
    else:
        raise ValueError("unknown argument type %r in %r" % (kind, arg))
    if token and kind != "pure-token":
        token += " "
    out = token + repeat
    if "multiple" in flags:
        out += " [" + (token if "multiple_token" in flags else "") + repeat + " ...]"
    if "optional" in flags:
        out = "[" + out + "]"
    return out


def key_spec(spec):
    bs, fk = spec["begin_search"], spec["find_keys"]
    if bs["type"] == "index":
        begin = "BeginSearch::Index { pos: %d }" % bs["spec"]["index"]
    elif bs["type"] == "keyword":
        begin = "BeginSearch::Keyword { keyword: %s, startfrom: %d }" % (
            rust_str(bs["spec"]["keyword"]),
            bs["spec"]["startfrom"],
        )
    elif bs["type"] == "unknown":
        begin = "BeginSearch::Unknown"
    else:
        raise ValueError("unknown begin_search %r" % bs)
    if fk["type"] == "range":
        s = fk["spec"]
        find = "FindKeys::Range { lastkey: %d, keystep: %d, limit: %d }" % (
            s["lastkey"], s["keystep"], s["limit"],
        )
    elif fk["type"] == "keynum":
        s = fk["spec"]
        find = "FindKeys::Keynum { keynumidx: %d, firstkey: %d, keystep: %d }" % (
            s["keynumidx"], s["firstkey"], s["keystep"],
        )
    elif fk["type"] == "unknown":
        find = "FindKeys::Unknown"
    else:
        raise ValueError("unknown find_keys %r" % fk)
    return {
        "notes": spec.get("notes", ""),
        "flags": list(spec.get("flags", [])),
        "begin": begin,
        "find": find,
    }


def collect(info_reply, docs_reply):
    """Flatten COMMAND (with nested subcommands) and COMMAND DOCS into rows."""
    docs = {}

    def walk_docs(name, doc):
        docs[name.lower()] = doc
        for sub_name, sub_doc in (doc.get("subcommands") or {}).items():
            walk_docs(sub_name, sub_doc)

    for name, doc in docs_reply.items():
        walk_docs(name, doc)

    rows = []

    def walk_info(entry):
        (name, arity, flags, first, last, step, acl, _tips, specs, subs) = entry[:10]
        doc = docs.get(name.lower())
        if doc is None:
            raise ValueError("COMMAND DOCS has no entry for %r" % name)
        rows.append(
            {
                "name": table_name(name),
                "arity": arity,
                "flags": list(flags),
                "acl": [c[1:] if c.startswith("@") else c for c in acl],
                "legacy": (first, last, step),
                "key_specs": [key_spec(s) for s in specs],
                "syntax": syntax_of(doc.get("arguments") or []),
                "summary": doc.get("summary", ""),
                "complexity": doc.get("complexity", ""),
                "since": doc.get("since", ""),
                "group": doc.get("group", ""),
            }
        )
        for sub in subs or []:
            walk_info(sub)

    for entry in info_reply:
        walk_info(entry)
    rows.sort(key=lambda r: r["name"].encode())
    names = [r["name"] for r in rows]
    if len(set(names)) != len(names):
        raise ValueError("duplicate command names")
    return rows


# --------------------------------------------------------------------------
# Rust output.
# --------------------------------------------------------------------------


def rust_str(text):
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def rust_str_slice(items):
    return "&[" + ", ".join(rust_str(i) for i in items) + "]"


def render(rows, version):
    groups = sorted({r["group"] for r in rows if r["group"]})
    lines = [
        "// @generated by tools/gen-commands/gen_commands.py from Redis %s" % version,
        "// (`COMMAND` and `COMMAND DOCS` of a throw-away redis-server). DO NOT EDIT:",
        "// re-run the generator instead (see tools/gen-commands/README.md).",
        "",
        "//! Redis %s's command table, as data. Generated; see the header above." % version,
        "",
        "use super::{BeginSearch, CommandSpec, FindKeys, KeySpec, LegacyKeys};",
        "",
        "/// The `redis_version` this table was generated from.",
        "pub const REDIS_VERSION: &str = %s;" % rust_str(version),
        "",
        "/// Command groups as `COMMAND DOCS` names them (for `HELP @group`), sorted.",
        "pub static GROUPS: &[&str] = %s;" % rust_str_slice(groups),
        "",
        "/// Every command and subcommand, sorted by name (byte order).",
        "pub static COMMANDS: &[CommandSpec] = &[",
    ]
    for r in rows:
        first, last, step = r["legacy"]
        lines += [
            "    CommandSpec {",
            "        name: %s," % rust_str(r["name"]),
            "        arity: %d," % r["arity"],
            "        flags: %s," % rust_str_slice(r["flags"]),
            "        acl_categories: %s," % rust_str_slice(r["acl"]),
            "        legacy_keys: LegacyKeys { first: %d, last: %d, step: %d }," % (first, last, step),
        ]
        if r["key_specs"]:
            lines.append("        key_specs: &[")
            for ks in r["key_specs"]:
                lines += [
                    "            KeySpec {",
                    "                notes: %s," % rust_str(ks["notes"]),
                    "                flags: %s," % rust_str_slice(ks["flags"]),
                    "                begin_search: %s," % ks["begin"],
                    "                find_keys: %s," % ks["find"],
                    "            },",
                ]
            lines.append("        ],")
        else:
            lines.append("        key_specs: &[],")
        lines += [
            "        syntax: %s," % rust_str(r["syntax"]),
            "        summary: %s," % rust_str(r["summary"]),
            "        complexity: %s," % rust_str(r["complexity"]),
            "        since: %s," % rust_str(r["since"]),
            "        group: %s," % rust_str(r["group"]),
            "    },",
        ]
    lines += [
        "];",
        "",
        "/// The same commands' names, in the same order: what the browser app needs",
        "/// to recognise a command, without the rest of the table.",
        "pub static NAMES: &[&str] = &[",
    ]
    lines += ["    %s," % rust_str(r["name"]) for r in rows]
    lines += ["];", ""]
    return "\n".join(lines)


def fetch(port):
    conn = Resp(port)
    try:
        conn.call("HELLO", "3")  # maps and sets keep their shape
        info = conn.call("INFO", "server")
        version = ""
        for line in info.splitlines():
            if line.startswith("redis_version:"):
                version = line.split(":", 1)[1].strip()
        if not version:
            raise ValueError("INFO server has no redis_version")
        return version, conn.call("COMMAND"), conn.call("COMMAND", "DOCS")
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--redis-server",
        default="redis-server",
        help="the redis-server program to start (default: redis-server on PATH)",
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help="where to write the table (default: shared/src/commands/generated.rs)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the output file differs from what would be generated",
    )
    args = parser.parse_args(argv)

    try:
        with ScratchServer(args.redis_server) as server:
            version, info, docs = fetch(server.port)
    except (RuntimeError, OSError, RespError) as err:
        print("gen_commands: %s" % err, file=sys.stderr)
        return 2
    text = render(collect(info, docs), version)

    if args.check:
        try:
            with open(args.output, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print("%s is out of date (Redis %s)" % (args.output, version), file=sys.stderr)
            return 1
        print("%s is up to date (Redis %s)" % (args.output, version))
        return 0

    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, args.output)
    print("wrote %s from Redis %s" % (args.output, version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
