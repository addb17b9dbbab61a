#!/usr/bin/env bash
# Render a study's HTML report to a PNG with headless Chromium, to see it as a reader would.
#   scripts/render-report.sh results/urban2017/report/report.html [out.png]
# Needs Debian's chromium package (apt-get install -y chromium). CI does not run this.
set -euo pipefail
html=${1:?usage: scripts/render-report.sh REPORT.html [OUT.png]}
out=${2:-${html%.html}.png}
[ -f "$html" ] || { echo "render-report: no such file: $html" >&2; exit 2; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "render-report: chromium not found; apt-get install -y chromium" >&2; exit 2; }
absolute=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
    --screenshot="$out" "file://$absolute" >/dev/null 2>&1
[ -s "$out" ] || { echo "render-report: chromium wrote nothing" >&2; exit 2; }
echo "wrote $out"
