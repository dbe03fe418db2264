#!/bin/sh
# Trunk's post-build hook (see Trunk.toml), for every build (`trunk build`,
# `trunk serve`): each page of the app is its own wasm bundle (frontend/src/
# app.rs says why), and index.html's loader must know their file names.
#
# Trunk names the `home` bundle `home-<its hash>.js` / `_bg.wasm` (a hash
# of up to 16 hex digits) but the others (built as Trunk "workers", since
# one page may have only one main app) by their bare name, `console.js` /
# `console_bg.wasm`. This renames every bundle `<page>-<16 hex>`, the hex
# from its content, so that `bolide serve` caches each for a year
# (backend/src/assets.rs), and writes their names into index.html in place
# of `/*BUNDLES*/`: `"console":"console-<hash>"`. Page names have no `-`.
# Then it compresses everything (precompress.sh: Trunk runs hooks of one
# stage at once, so this one runs it after the names are in).
#
# Usage: bundles.sh (run by Trunk: needs $TRUNK_STAGING_DIR).
set -eu
dir=${TRUNK_STAGING_DIR:?run by trunk}
bundles=""
for wasm in "$dir"/*_bg.wasm; do
  base=$(basename "$wasm" _bg.wasm)
  [ -f "$dir/$base.js" ] || { echo "bundles: ${base}_bg.wasm has no $base.js" >&2; exit 1; }
  page=${base%%-*} # the bundle's binary: home-<Trunk's hash> or console
  hash=$(cat "$wasm" "$dir/$base.js" | sha256sum | cut -c1-16)
  if [ "$base" != "$page-$hash" ]; then
    mv "$wasm" "$dir/$page-${hash}_bg.wasm"
    mv "$dir/$base.js" "$dir/$page-$hash.js"
  fi
  base=$page-$hash
  bundles="$bundles\"$page\":\"$base\","
done
[ -n "$bundles" ] || { echo "bundles: no wasm in $dir" >&2; exit 1; }
# Also drops the `home` bundle's <link data-trunk rel="rust">, which Trunk
# leaves in the page when it does not inject its own start script.
sed -i -e "s|/\*BUNDLES\*/|$bundles|" -e '/<link data-trunk rel="rust"/d' "$dir/index.html"
exec sh scripts/lib/precompress.sh
