#!/bin/sh
# Runs the Python worker runtime's unit tests (stdlib unittest) from the repository root, as Maven does:
# under python3, then under one newer interpreter when one is installed (3.13, else 3.12, from pyenv), so
# both ends of the supported range (CPython 3.9-3.13) get exercised where possible. Fails if any run fails.
set -u
cd "$(dirname "$0")/../../.." || exit 1
export PYTHONPATH="src/main/python${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONDONTWRITEBYTECODE=1
# A hang must fail the build with every thread's stack, not stall it: SIGABRT after 5 minutes, and
# faulthandler prints the stacks when it arrives.
export PYTHONFAULTHANDLER=1

status=0
run() {
    echo "jwsgi python tests: $("$1" --version 2>&1) ($1)"
    timeout -s ABRT 300 "$1" -m unittest discover -s src/test/python -t src/test/python </dev/null || status=1
}

run python3
for candidate in "$HOME/.pyenv/versions/3.13.0/bin/python3" "$HOME/.pyenv/versions/3.12.1/bin/python3"; do
    if [ -x "$candidate" ]; then
        run "$candidate"
        break
    fi
done
exit $status
