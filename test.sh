#!/usr/bin/env bash
# Runs every test: Java unit tests, the Python runtime's unit tests and the integration tests
# (real CPython workers, real sockets on 127.0.0.1). Selects a JDK >= 25 the same way ./jwsgi does.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$(sed -n '/^java_major()/,/^}$/p;/^find_jdk()/,/^}$/p' "$here/jwsgi")"
JAVA_HOME=$(find_jdk) || { echo "test.sh: no JDK 25 or newer found" >&2; exit 1; }
export JAVA_HOME
cd "$here" && exec ./mvnw -B verify "$@"
