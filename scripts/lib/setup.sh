# shellcheck shell=bash
# Installs what Bolide needs, only when it is missing, so running a README
# command a second time installs nothing. Sourced by scripts/run and
# scripts/test. Every tool is checked by version, not just by presence.

TRUNK_VERSION="0.21.14"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Cargo-installed tools live here; a fresh shell may not have it on PATH.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

# How to run apt-get: directly as root, through sudo when it works without a
# password prompt, otherwise not at all (we print the command instead).
apt_prefix() {
  if [ "$(id -u)" -eq 0 ]; then echo ""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then echo "sudo"
  else echo "none"
  fi
}

APT_UPDATED=""
apt_install() {
  local prefix; prefix=$(apt_prefix)
  if [ "$prefix" = "none" ] || ! command -v apt-get >/dev/null 2>&1; then
    die "missing: $*. Install it with: sudo apt-get install -y $* (then run this command again)"
  fi
  if [ -z "$APT_UPDATED" ]; then
    say "apt-get update"
    $prefix apt-get update -qq >&2
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $prefix apt-get install -y -qq "$@" >&2
}

ensure_rust() {
  command -v cargo >/dev/null 2>&1 || die "cargo not found: install Rust with rustup (https://rustup.rs) first"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown >&2
  fi
}

ensure_trunk() {
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    say "installing trunk $TRUNK_VERSION (a few minutes, once)"
    cargo install --locked trunk --version "$TRUNK_VERSION" >&2
  fi
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate
# in Cargo.lock, or the generated JS and the wasm disagree.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_bindgen() {
  local want; want=$(wasm_bindgen_version)
  [ -n "$want" ] || die "wasm-bindgen not found in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $want" ]; then
    say "installing wasm-bindgen-cli $want (about two minutes, once)"
    # The lock file published with the CLI can name a dependency version the
    # registry no longer serves; then let cargo resolve a compatible one.
    cargo install --locked wasm-bindgen-cli --version "$want" >&2 \
      || cargo install wasm-bindgen-cli --version "$want" >&2
  fi
}

ensure_redis() {
  local version major
  version=$(redis-server --version 2>/dev/null | sed -n 's/.* v=\([0-9.]*\).*/\1/p')
  major=${version%%.*}
  if [ -z "$version" ] || [ "$major" -lt 7 ]; then
    apt_install redis-server
  fi
  command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
}

ensure_browser() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
}

# redis-py for python3: the Python guide's test runs a real redis-py script
# (and skips with a note without it). A user install first (works with
# pyenv and plain pip), then a plain one (inside a virtualenv), then
# Debian's package (where pip refuses to touch the system Python). Failing
# all three only warns: the rest of the suite does not need it.
ensure_python_redis() {
  command -v python3 >/dev/null 2>&1 || apt_install python3
  python3 -c 'import redis' >/dev/null 2>&1 && return 0
  say "installing redis-py for python3"
  local pip="python3 -m pip install --quiet --disable-pip-version-check"
  local out
  out=$($pip --user redis 2>&1) || out=$($pip redis 2>&1) || {
    if [ "$(apt_prefix)" != "none" ] && command -v apt-get >/dev/null 2>&1; then apt_install python3-redis; fi
  }
  if ! python3 -c 'import redis' >/dev/null 2>&1; then
    printf '%s\n' "$out" >&2
    say "warning: redis-py could not be installed; the Python guide's test will be skipped"
  fi
}

# brotli for the release build's precompressed assets (Trunk's post-build
# hook, scripts/lib/precompress.sh); gzip is part of every Debian system.
ensure_brotli() {
  command -v brotli >/dev/null 2>&1 || apt_install brotli
}

# Lighthouse, for tests/tests/lighthouse_a11y.rs (accessibility 100 on
# every page) and bench/src/bin/lighthouse.rs (performance scores of the
# release build), at the version tools/lighthouse/package.json pins, from
# its lock file. It drives Debian's Chromium (CHROME_PATH); nothing here
# downloads a browser.
ensure_lighthouse() {
  command -v npm >/dev/null 2>&1 || apt_install npm
  ensure_browser
  local want have
  want=$(node -p "require('./tools/lighthouse/package.json').dependencies.lighthouse")
  have=$(node -p "require('./tools/lighthouse/node_modules/lighthouse/package.json').version" 2>/dev/null || true)
  if [ "$have" != "$want" ]; then
    say "installing lighthouse $want (npm ci in tools/lighthouse, once)"
    PUPPETEER_SKIP_DOWNLOAD=1 npm ci --prefix tools/lighthouse --no-audit --no-fund >&2
  fi
}

# axe-core, for tests/tests/browser_a11y.rs (it injects axe.min.js into
# every page and fails on any violation), at the version
# tools/axe/package.json pins, from its lock file. A plain script: no
# browser, no install scripts.
ensure_axe() {
  command -v npm >/dev/null 2>&1 || apt_install npm
  local want have
  want=$(node -p "require('./tools/axe/package.json').dependencies['axe-core']")
  have=$(node -p "require('./tools/axe/node_modules/axe-core/package.json').version" 2>/dev/null || true)
  if [ "$have" != "$want" ]; then
    say "installing axe-core $want (npm ci in tools/axe, once)"
    npm ci --prefix tools/axe --no-audit --no-fund --ignore-scripts >&2
  fi
}

# Everything `bolide serve` needs to build and run.
ensure_run_tools() {
  ensure_rust
  ensure_redis
  ensure_brotli
  ensure_trunk
  ensure_wasm_bindgen
}

# Everything the test suite needs on top.
ensure_test_tools() {
  ensure_run_tools
  ensure_browser
  ensure_axe
  ensure_lighthouse
  ensure_python_redis
}
