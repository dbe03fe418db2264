#!/bin/sh
# Run by Trunk's post-build hook (bundles.sh, see Trunk.toml): next to every text asset of a
# release build, its brotli (-q 11) and gzip (-9) forms, made once here so
# that `bolide serve` sends them as they are (tower-http's precompressed
# ServeDir) instead of compressing at a fast level on every request. brotli
# at its best level is ~12% smaller on the wire than a per-request level 5.
#
# Usage: precompress.sh [DIR]   (default: $TRUNK_STAGING_DIR; release only
# when run by Trunk). Needs `brotli` and `gzip` (scripts/lib/setup.sh
# installs brotli); without brotli it says so and leaves only gzip.
set -eu
dir=${1:-${TRUNK_STAGING_DIR:?run by trunk, or give a directory}}
if [ -z "${1:-}" ] && [ "${TRUNK_PROFILE:-release}" != "release" ]; then
  exit 0 # debug builds (trunk serve, the e2e build) are served compressed on the fly
fi
have_brotli=1
command -v brotli >/dev/null 2>&1 || { have_brotli=0; echo "precompress: brotli not found, gzip only" >&2; }
find "$dir" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.svg' -o -name '*.json' \) |
  while IFS= read -r file; do
    gzip -9 -n -k -f "$file"
    if [ "$have_brotli" = 1 ]; then brotli -q 11 -k -f "$file"; fi
  done
