#!/usr/bin/env bash
# Set up everything rom needs on a fresh Debian/Ubuntu machine: system libraries, a virtual
# environment in .venv and the package with pinned dependencies. Safe to run again; it only
# does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

# System packages: OpenCV's GUI-enabled wheel (pulled by mediapipe) needs libGL and GLib; the
# browser end-to-end tests drive Debian's chromium; the storage tests start a PostgreSQL server.
APT_PACKAGES=(libgl1 libglib2.0-0 chromium postgresql)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

stamp="$VENV/.rom-installed"
if [ -f "$stamp" ] && [ "$stamp" -nt pyproject.toml ] && [ "$stamp" -nt constraints.txt ]; then
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[dev]"
touch "$stamp"
echo "setup: ready ($VENV)"
