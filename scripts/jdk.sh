# Sourced by ./jwsgi and ./test.sh: sets JAVA_HOME to a JDK >= 25 (JAVA_HOME first, then /usr/lib/jvm/*).
java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2; exit}'
}

find_jdk() {
  local candidates=() d v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/*; do candidates+=("$d"); done
  for d in "${candidates[@]}"; do
    if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ]; then
      v=$(java_major "$d")
      if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$d"; return 0; fi
    fi
  done
  return 1
}

JAVA_HOME=$(find_jdk) || { echo "jwsgi: no JDK 25 or newer found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2; exit 1; }
export JAVA_HOME
