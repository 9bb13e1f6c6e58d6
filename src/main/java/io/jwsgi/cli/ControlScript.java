package io.jwsgi.cli;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code apachectl} script setup-server writes: a small bash program that starts the server in the background
 * and waits until it is ready (its pid file appears) or has failed, stops it with SIGTERM, restarts it, sends
 * SIGUSR1 for a graceful restart of the workers, checks the saved arguments, and reports whether it runs. Every
 * path in it is absolute and single-quoted.
 */
final class ControlScript {
    private ControlScript() {}

    static String render(List<String> jwsgi, Path root, Path cwd, Path pidFile, Path output) {
        StringBuilder command = new StringBuilder();
        for (String word : jwsgi) command.append(command.isEmpty() ? "" : " ").append(quote(word));
        return TEMPLATE
                .replace("@JWSGI@", command)
                .replace("@ROOT@", quote(root.toString()))
                .replace("@CWD@", quote(cwd.toString()))
                .replace("@PID_FILE@", quote(pidFile.toString()))
                .replace("@OUTPUT@", quote(output.toString()));
    }

    /** A bash single-quoted word: the only character needing care is the single quote itself. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static final String TEMPLATE = """
            #!/usr/bin/env bash
            # Control script of one jwsgi server, written by 'jwsgi setup-server' (docs/operations.md).
            # Usage: apachectl start|stop|restart|graceful|graceful-stop|configtest|status
            set -u
            JWSGI=(@JWSGI@)
            SERVER_ROOT=@ROOT@
            # setup-server ran here: relative paths in server.args resolve against it.
            SETUP_DIRECTORY=@CWD@
            PID_FILE=@PID_FILE@
            OUTPUT=@OUTPUT@
            ARGS_FILE="$SERVER_ROOT/server.args"
            START_WAIT_SECONDS=${JWSGI_START_WAIT:-300}
            STOP_WAIT_SECONDS=${JWSGI_STOP_WAIT:-120}

            # A live process (not a zombie waiting for its parent to reap it).
            alive() {
                local state
                state=$(sed -E 's/^.*\\) ([A-Za-z]).*$/\\1/' "/proc/$1/stat" 2>/dev/null) || return 1
                [ -n "$state" ] && [ "$state" != Z ]
            }

            # The pid of the running server, from the pid file; fails when it is not running.
            running_pid() {
                local pid
                [ -f "$PID_FILE" ] || return 1
                read -r pid < "$PID_FILE" || return 1
                [[ "$pid" =~ ^[0-9]+$ ]] || return 1
                alive "$pid" || return 1
                tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q jwsgi || return 1
                echo "$pid"
            }

            load_args() {
                [ -r "$ARGS_FILE" ] || { echo "jwsgi: cannot read $ARGS_FILE" >&2; exit 2; }
                mapfile -t ARGS < "$ARGS_FILE"
            }

            configtest() {
                load_args
                cd "$SETUP_DIRECTORY" || exit 2
                "${JWSGI[@]}" configtest "${ARGS[@]}"
            }

            start() {
                local pid child status
                if pid=$(running_pid); then
                    echo "jwsgi: already running (pid $pid)"
                    return 0
                fi
                load_args
                cd "$SETUP_DIRECTORY" || exit 2
                rm -f "$PID_FILE"
                # A session of its own: the terminal's signals and hang-up do not reach the server.
                setsid "${JWSGI[@]}" start-server "${ARGS[@]}" < /dev/null >> "$OUTPUT" 2>&1 &
                child=$!
                for ((i = 0; i < START_WAIT_SECONDS * 10; i++)); do
                    if pid=$(running_pid); then
                        echo "jwsgi: started (pid $pid)"
                        return 0
                    fi
                    if ! alive "$child"; then
                        wait "$child"
                        status=$?
                        echo "jwsgi: the server exited during start-up with status $status; from $OUTPUT:" >&2
                        tail -n 20 "$OUTPUT" >&2
                        return "$status"
                    fi
                    sleep 0.1
                done
                echo "jwsgi: not ready after $START_WAIT_SECONDS s (pid $child); see $OUTPUT" >&2
                return 1
            }

            stop() {
                local pid
                if ! pid=$(running_pid); then
                    echo "jwsgi: not running"
                    return 0
                fi
                kill -TERM "$pid"
                for ((i = 0; i < STOP_WAIT_SECONDS * 10; i++)); do
                    if ! alive "$pid"; then
                        echo "jwsgi: stopped (pid $pid)"
                        return 0
                    fi
                    sleep 0.1
                done
                echo "jwsgi: pid $pid still running $STOP_WAIT_SECONDS s after SIGTERM" >&2
                return 1
            }

            case "${1:-}" in
                start) start ;;
                stop|graceful-stop) stop ;;
                restart)
                    configtest > /dev/null || exit $?
                    stop || exit $?
                    start ;;
                graceful)
                    # SIGUSR1: every worker process is replaced once its requests finish (eviction-timeout).
                    if pid=$(running_pid); then
                        kill -USR1 "$pid" && echo "jwsgi: graceful restart of the workers (pid $pid)"
                    else
                        start
                    fi ;;
                configtest) configtest ;;
                status)
                    if pid=$(running_pid); then
                        echo "jwsgi: running (pid $pid)"
                    else
                        echo "jwsgi: not running"
                        exit 3
                    fi ;;
                *)
                    echo "usage: $0 start|stop|restart|graceful|graceful-stop|configtest|status" >&2
                    exit 2 ;;
            esac
            """;
}
