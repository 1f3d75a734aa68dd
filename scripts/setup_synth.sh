#!/usr/bin/env bash
# Set up the renderer of ../shared/tools/synth (its README's steps) in $SYNTH_VENV, once: the
# headless EGL libraries, a Python 3.11 venv, torch first (so nothing pulls another torch), then
# its pinned requirements. Used by `make validation` and `make samples`; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
SYNTH=${SYNTH:-../shared/tools/synth}
SYNTH_VENV=${SYNTH_VENV:-$HOME/.venvs/synth}
stamp="$SYNTH_VENV/.rom-synth-installed"
[ -f "$stamp" ] && [ "$stamp" -nt "$SYNTH/requirements.txt" ] && exit 0
if [ ! -d "$SYNTH" ]; then
    echo "setup_synth: $SYNTH not found (the renderer lives in ../shared beside the checkout)" >&2
    exit 2
fi
APT_PACKAGES=(libegl1 libgl1-mesa-dri libegl-mesa0)
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
PYTHON=${SYNTH_PYTHON:-$(command -v python3.11 || command -v python3)}
[ -x "$SYNTH_VENV/bin/python" ] || "$PYTHON" -m venv "$SYNTH_VENV"
torch=$(grep -E '^torch==' "$SYNTH/requirements.txt")
"$SYNTH_VENV/bin/pip" install -q "$torch"
"$SYNTH_VENV/bin/pip" install -q -r "$SYNTH/requirements.txt"
touch "$stamp"
echo "setup_synth: ready ($SYNTH_VENV)"
