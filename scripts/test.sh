#!/usr/bin/env bash
# Run the whole test suite in the project's virtual environment (set up by scripts/setup.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
"$VENV/bin/ruff" check rom web tests bench calibration || exit 1
# Two worker processes (ROM_TEST_WORKERS to change): on 2 cores the suite takes about half as long,
# because much of it waits on a browser, a server or a real-time clock rather than computing.
"$VENV/bin/python" -m pytest -n "${ROM_TEST_WORKERS:-2}" "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
    # pytest's 5 = no tests collected: a suite that tests nothing must not pass as green.
    echo "test: pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
