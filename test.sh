#!/usr/bin/env bash
# Runs every test: Java unit tests, the Python runtime's unit tests and the integration tests
# (real CPython workers, real sockets on 127.0.0.1). Selects a JDK >= 25 the same way ./jwsgi does.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/scripts/jdk.sh"
cd "$here" && exec ./mvnw -B verify "$@"
