#!/bin/sh
# Add this portable Writer to your application menu (for you only; no root needed).
# Run it again after moving the folder; remove the two files it names to undo it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data="${XDG_DATA_HOME:-$HOME/.local/share}"
mkdir -p "$data/applications" "$data/icons/hicolor/512x512/apps"
cp "$here/share/writer-app.png" "$data/icons/hicolor/512x512/apps/writer-app.png"
sed -e "s|^Exec=writer-app|Exec=\"$here/writer-app\"|" -e "s|^TryExec=writer-app|TryExec=$here/writer-app|" \
  "$here/share/writer-app.desktop" > "$data/applications/writer-app.desktop"
echo "Installed $data/applications/writer-app.desktop"
echo "and $data/icons/hicolor/512x512/apps/writer-app.png"
