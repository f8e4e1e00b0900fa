#!/usr/bin/env bash
# Rebuild fixtures/images/ from scikit-image's sample photos (Debian package python3-skimage).
#
# Usage: scripts/images/make-fixtures.sh [SKIMAGE_DATA_DIR]
#   Without an argument it runs `apt-get download python3-skimage` into a temporary folder and
#   unpacks it (no install). Needs ImageMagick 6 `convert`, `exiftool`, /usr/bin/python3 and the
#   compiled tree (for the AVIF file, which sharp writes: this ImageMagick's AVIF coder is unreliable).
#
# Output is deterministic for a given ImageMagick/libjpeg, except AVIF, which depends on sharp's aom.
# Every file and the edge case it covers is listed in fixtures/images/README.md.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
photos="$root/fixtures/images/photos"
edge="$root/fixtures/images/edge"
mkdir -p "$photos" "$edge"

src=${1:-}
if [[ -z "$src" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download python3-skimage >/dev/null && dpkg -x python3-skimage_*.deb x)
  src="$tmp/x/usr/lib/python3/dist-packages/skimage/data"
fi

# -strip drops metadata (and so any EXIF orientation and ICC profile) so only pixels travel.
# The date chunks ImageMagick puts in PNGs would make every rebuild differ; keep them out.
im() { convert "${@:1:$#-1}" -define png:exclude-chunks=date,time "${@: -1}"; }

# --- photos: real photographs, downscaled, JPEG q85 4:2:0 (the common camera/web case) ---
im "$src/astronaut.png" -strip -resize 288x288 -quality 85 -sampling-factor 2x2 "$photos/astronaut.jpg"
im "$src/chelsea.png"   -strip -resize 360x240 -quality 85 -sampling-factor 2x2 "$photos/chelsea.jpg"
im "$src/coffee.png"    -strip -resize 360x240 -quality 85 -sampling-factor 2x2 "$photos/coffee.jpg"
# Portrait orientation: exercises shorter-side logic on the width.
im "$src/rocket.jpg"    -strip -rotate 90 -resize 240x360 -quality 85 -sampling-factor 2x2 "$photos/rocket.jpg"

# --- edge cases ---
base="$edge/.base.png"
im "$src/chelsea.png" -strip -resize '64x48!' "$base"

im "$base" -colorspace Gray -quality 90 "$edge/gray.jpg"
im "$base" -colors 16 "PNG8:$edge/palette.png"
im "$base" -quality 90 "$edge/chelsea.webp"
im "$base" -compress lzw "$edge/chelsea.tif"

# RGBA: left half opaque, right half alpha 0 with the photo's colours still stored under it, middle
# columns half transparent. A decoder that premultiplies before resizing darkens the right half.
im "$base" \( -size 64x48 gradient: -rotate 90 -flop -level 25%,75% \) -alpha off -compose CopyOpacity -composite \
   -define png:color-type=6 "$edge/rgba.png"

# Grey + alpha (PNG colour type 4): two channels in, must come out as three.
im "$edge/rgba.png" -colorspace Gray -define png:color-type=4 "$edge/gray-alpha.png"

# CMYK JPEG from four solid patches (white, red, green, black) over 32x32, naive RGB->CMYK.
im -size 16x16 xc:white xc:red +append \( -size 16x16 xc:lime xc:black +append \) -append \
   -colorspace CMYK -quality 95 "$edge/cmyk.jpg"

# EXIF orientation 6 (rotate 90 CW to display) on a stored 40x20 image of four colour quadrants:
# stored top-left red, top-right lime, bottom-left blue, bottom-right white.
im \( -size 20x10 xc:red xc:lime +append \) \( -size 20x10 xc:blue xc:white +append \) -append \
   -quality 95 "$edge/exif-rot6.jpg"
exiftool -q -overwrite_original -Orientation#=6 "$edge/exif-rot6.jpg"

# Animated GIF: first frame red, second blue. Only the first may be used.
im -size 16x12 xc:red xc:blue -loop 0 -delay 10 "$edge/anim.gif"

# Truncated JPEG: the first 40% of a photo (the header parses, the entropy data ends early).
full="$photos/chelsea.jpg"
head -c $(( $(stat -c %s "$full") * 4 / 10 )) "$full" > "$edge/truncated.jpg"

# Not an image at all, under an image extension.
printf 'this is a text file, not a JPEG\n' > "$edge/not-an-image.jpg"

# 16-bit RGB and greyscale PNGs with exactly known values, and a decompression bomb: see write-png.py.
/usr/bin/python3 "$root/scripts/images/write-png.py" "$edge"

# AVIF through sharp (node), from the same base picture.
(cd "$root" && node --input-type=module -e "
import sharp from 'sharp';
await sharp('$base').avif({ quality: 60, effort: 2 }).toFile('$edge/chelsea.avif');
") || echo 'warning: sharp could not write AVIF; skipped chelsea.avif' >&2

rm -f "$base"

# The decoding cases of the --pipeline goldens (progressive, 4:4:4, ICC-tagged, EXIF-rotated photos):
# see make-pipeline-fixtures.ts (needs the compiled tree).
(cd "$root" && node dist/scripts/images/make-pipeline-fixtures.js) || echo 'warning: run npx tsc -p . first; pipeline/ fixtures skipped' >&2
ls -l "$photos" "$edge" "$root/fixtures/images/pipeline"
