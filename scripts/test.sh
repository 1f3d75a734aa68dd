#!/usr/bin/env bash
# Run the whole test suite in the project's virtual environment (set up by scripts/setup.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/ruff" check rom web tests bench calibration || exit 1
"$VENV/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    # pytest's 5 = no tests collected: a suite that tests nothing must not pass as green.
    echo "test: pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
