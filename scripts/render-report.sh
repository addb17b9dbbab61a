#!/usr/bin/env bash
# Render a study's HTML report to a PNG with headless Chromium, to see it as a reader would:
# the whole page at a given width, however long.
#   scripts/render-report.sh results/urban2017/report/report.html [out.png] [--width 1000]
# Needs Debian's chromium package (apt-get install -y chromium) and Pillow (pip install
# pillow). CI does not run this.
set -euo pipefail
usage="usage: scripts/render-report.sh REPORT.html [OUT.png] [--width PIXELS]"
width=1000
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --width) width=${2:?$usage}; shift 2 ;;
        --width=*) width=${1#--width=}; shift ;;
        -h|--help) echo "$usage"; exit 0 ;;
        *) positional+=("$1"); shift ;;
    esac
done
html=${positional[0]:?$usage}
out=${positional[1]:-${html%.html}.png}
[[ "$width" =~ ^[0-9]+$ ]] && [ "$width" -ge 320 ] || { echo "render-report: --width must be a number of pixels >= 320" >&2; exit 64; }
[ -f "$html" ] || { echo "render-report: no such file: $html" >&2; exit 2; }
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "render-report: chromium not found; apt-get install -y chromium" >&2; exit 2; }
python3 -c "import PIL" 2>/dev/null || { echo "render-report: Pillow not found; pip install pillow" >&2; exit 2; }
absolute=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")
tall=$(mktemp --suffix=.png)
trap 'rm -f "$tall"' EXIT
# A window far taller than any report, then the empty rows below the page cut off.
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="$width,16000" \
    --screenshot="$tall" "file://$absolute" >/dev/null 2>&1
[ -s "$tall" ] || { echo "render-report: chromium wrote nothing" >&2; exit 2; }
python3 - "$tall" "$out" <<'PY'
import sys
from PIL import Image, ImageChops
image = Image.open(sys.argv[1]).convert("RGB")
background = Image.new("RGB", image.size, image.getpixel((image.width - 1, image.height - 1)))
box = ImageChops.difference(image, background).getbbox()
bottom = min(image.height, (box[3] if box else 1) + 24)
if bottom >= image.height:
    sys.exit("render-report: the page is taller than 16000 pixels; it was cut")
image.crop((0, 0, image.width, bottom)).save(sys.argv[2])
print(f"wrote {sys.argv[2]}: {image.width} x {bottom} pixels")
PY
