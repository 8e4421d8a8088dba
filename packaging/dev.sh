#!/usr/bin/env bash
# Set up (or refresh) Writer's environment on this machine, then start it or test it.
#
#   packaging/dev.sh run  [writer-app arguments]   start the app (default model)
#   packaging/dev.sh test [pytest arguments]       run the test suite headless
#
# It installs the Debian packages Qt needs when they are missing (as root, or via sudo),
# creates .venv, and installs Writer with the versions in packaging/constraints.txt.
# llama.cpp (llama-cpp-python, the fast CPU backend for GGUF models) has no binary wheel
# for Linux on PyPI: it compiles from source once (~8 min on 2 cores; needs cmake and a
# C/C++ compiler, installed here with Qt's packages) and pip keeps the built wheel in its
# cache, so later installs take seconds. `run` starts Writer even when that build fails
# (it falls back to transformers and says so in About); `test` needs it and fails.
# The build is native (-march=native); CMAKE_ARGS is passed through, e.g.
# CMAKE_ARGS=-DGGML_NATIVE=OFF for a portable one (the installers' build does that).
set -euo pipefail
cd "$(dirname "$0")/.."

# Qt's runtime libraries (offscreen), its X11 platform plugin (a real screen), and fonts.
QT_RUNTIME="libegl1 libgl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0
  libxkbcommon0"
QT_SCREEN="libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-xinerama0
  fonts-dejavu-core fonts-noto-cjk"
TEST_TOOLS="desktop-file-utils"
LLAMA_BUILD_TOOLS="cmake build-essential"  # llama-cpp-python compiles llama.cpp

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

STAMP_HASH=$(cat pyproject.toml packaging/constraints.txt | sha256sum | cut -d' ' -f1)
LLAMA_LOG=.venv/llama-build.log

pip_install() {
  .venv/bin/python -m pip install -q -c packaging/constraints.txt "$@"
}

# Writer itself (and, for "test", its test tools), reinstalled only when the project or its
# pins changed. $1: the extra to install ("" or "test").
python_env() {
  local extra="$1"
  local python="${PYTHON:-python3}"
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  local stamp=.venv/.writer-installed${extra:+-$extra}
  if [ "$(cat "$stamp" 2>/dev/null)" != "$STAMP_HASH" ]; then
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null
    pip_install -e ".${extra:+[$extra]}"
    echo "$STAMP_HASH" > "$stamp"
  fi
}

# llama.cpp in-process (the `llama` extra, or with its server for the tests). Returns 1 when
# the build failed; a failure is remembered (until the pins change) so that `run` does not
# spend eight minutes on every start retrying it. $1: the requirement to install.
llama_env() {
  local requirement="$1"
  local stamp=.venv/.writer-llama
  local wanted="$STAMP_HASH $requirement"
  local state
  state=$(cat "$stamp" 2>/dev/null || true)
  case "$state" in
    "ok $wanted"|"ok $wanted[server]") return 0 ;;  # the server extra includes the plain one
    "failed $wanted") return 1 ;;
  esac
  local cache_flags=()
  # pip's wheel cache ignores CMAKE_ARGS: other build options need a build of their own.
  [ -n "${CMAKE_ARGS:-}" ] && cache_flags=(--no-cache-dir --no-binary llama-cpp-python)
  if ! .venv/bin/python -c "import llama_cpp" >/dev/null 2>&1; then
    echo "Installing llama.cpp (llama-cpp-python): the first time it compiles from source," \
      "about 8 minutes on 2 cores (log: $LLAMA_LOG)" >&2
  fi
  local started=$SECONDS
  if pip_install ${cache_flags[@]+"${cache_flags[@]}"} "$requirement" >"$LLAMA_LOG" 2>&1 \
      && .venv/bin/python -c "import llama_cpp" >>"$LLAMA_LOG" 2>&1; then
    echo "ok $wanted" > "$stamp"
    [ $((SECONDS - started)) -lt 30 ] || echo "llama.cpp installed in $((SECONDS - started)) s" >&2
    return 0
  fi
  echo "failed $wanted" > "$stamp"
  return 1
}

LLAMA_REQUIREMENT="llama-cpp-python"
LLAMA_TEST_REQUIREMENT="llama-cpp-python[server]"

command="${1:-run}"
shift || true
case "${LANG:-}" in
  ""|C|POSIX) export LANG=C.UTF-8 ;;  # Qt complains under the C locale
esac
case "$command" in
  run)
    # shellcheck disable=SC2086
    install_debian_packages $QT_RUNTIME $QT_SCREEN
    # shellcheck disable=SC2086
    install_debian_packages $LLAMA_BUILD_TOOLS \
      || echo "note: could not install $LLAMA_BUILD_TOOLS; llama.cpp may not build" >&2
    python_env ""
    if ! llama_env "$LLAMA_REQUIREMENT"; then
      echo "llama.cpp could not be built (log: $LLAMA_LOG; delete .venv/.writer-llama to" \
        "retry): Writer runs on transformers" >&2
    fi
    exec .venv/bin/writer-app "$@"
    ;;
  test)
    # shellcheck disable=SC2086
    install_debian_packages $QT_RUNTIME $QT_SCREEN $TEST_TOOLS $LLAMA_BUILD_TOOLS
    python_env ""
    if ! llama_env "$LLAMA_TEST_REQUIREMENT"; then
      echo "packaging/dev.sh: the tests need llama.cpp (llama-cpp-python[server]), and it did" \
        "not build: see $LLAMA_LOG (it needs cmake and a C/C++ compiler; delete" \
        ".venv/.writer-llama to retry)" >&2
      tail -n 20 "$LLAMA_LOG" >&2 || true
      exit 1
    fi
    python_env test
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
