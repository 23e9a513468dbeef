#!/usr/bin/env bash
# Screenshots of every reader and editor page (index, topic, tag, search,
# search without results, an error page, sign-in, desk) at 1280 and 390 px,
# from the interop fixture served on loopback and shown by headless Chromium.
# Usage: scripts/screenshots.sh [DIR]   (default: ./screenshots; not committed)
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-screenshots}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
BANTIN_SCREENSHOTS="$dir" go test -count=1 -run '^TestScreenshots$' -v ./interop | grep -E 'wrote|^(ok|FAIL|---)' || true
ls -1 "$dir"/*.png
