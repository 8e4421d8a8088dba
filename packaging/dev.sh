#!/usr/bin/env bash
# Set up (or refresh) Writer's environment on this machine, then start it or test it.
#
#   packaging/dev.sh run  [writer-app arguments]   start the app (default model)
#   packaging/dev.sh test [pytest arguments]       run the test suite headless
#
# It installs the Debian packages Qt needs when they are missing (as root, or via sudo),
# creates .venv, and installs Writer with the versions in packaging/constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's runtime libraries (offscreen), its X11 platform plugin (a real screen), and fonts.
QT_RUNTIME="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0
  libxkbcommon0"
QT_SCREEN="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-xinerama0
  fonts-dejavu-core fonts-noto-cjk"
TEST_TOOLS="desktop-file-utils"

install_debian_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0  # not Debian: install Qt's libs yourself
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing system packages: ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

python_env() {
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  # Reinstall only when the project or its pins changed.
  local stamp=.venv/.writer-installed
  local wanted
  wanted=$(cat pyproject.toml packaging/constraints.txt | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    .venv/bin/python -m pip install -q -c packaging/constraints.txt -e ".[test]"
    echo "$wanted" > "$stamp"
  fi
}

command="${1:-run}"
shift || true
case "${LANG:-}" in
  ""|C|POSIX) export LANG=C.UTF-8 ;;  # Qt complains under the C locale
esac
case "$command" in
  run)
    # shellcheck disable=SC2086
    install_debian_packages $QT_RUNTIME $QT_SCREEN
    python_env
    exec .venv/bin/writer-app "$@"
    ;;
  test)
    # shellcheck disable=SC2086
    install_debian_packages $QT_RUNTIME $QT_SCREEN $TEST_TOOLS
    python_env
    export QT_QPA_PLATFORM=offscreen
    .venv/bin/ruff check writer_app tests packaging benchmarks
    .venv/bin/lint-imports  # the architecture contracts in pyproject.toml
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: packaging/dev.sh run|test [arguments]" >&2
    exit 2
    ;;
esac
