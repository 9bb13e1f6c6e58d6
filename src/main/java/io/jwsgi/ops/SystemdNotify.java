package io.jwsgi.ops;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * systemd's {@code Type=notify} protocol (sd_notify(3)), written from its description: each state change is one
 * datagram of {@code KEY=value} lines sent to the UNIX socket named by {@code NOTIFY_SOCKET} (a path, or a name in
 * the abstract namespace when it starts with {@code @}). The JDK has UNIX-domain stream channels but no datagram
 * ones, so the socket is made with {@code socket(AF_UNIX, SOCK_DGRAM|SOCK_CLOEXEC)} and {@code sendto} through the
 * foreign-function API, as {@link SocketActivation} already calls {@code dup2}: three libc calls, no library.
 *
 * <p>Without {@code NOTIFY_SOCKET} every method does nothing. A send that fails is logged once and otherwise
 * ignored: systemd's own library treats notification as best effort too, and a server must not stop serving
 * because its supervisor went away.
 */
public final class SystemdNotify {
    private static final Logger log = LoggerFactory.getLogger(SystemdNotify.class);

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000; // the worker processes must not inherit it
    private static final int MSG_NOSIGNAL = 0x4000;
    /** A full receive queue drops the message rather than blocking the server. */
    private static final int MSG_DONTWAIT = 0x40;
    /** sizeof(sun_path) on Linux. */
    private static final int SUN_PATH = 108;
    private static final StructLayout CAPTURED = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURED.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private final String socketName;
    private final Duration watchdogInterval;
    private final Object lock = new Object();
    private int fd = -1;
    private boolean failed;

    private SystemdNotify(String socketName, Duration watchdogInterval) {
        this.socketName = socketName;
        this.watchdogInterval = watchdogInterval;
    }

    /**
     * From the environment as systemd sets it for the service's main process: {@code NOTIFY_SOCKET}, and
     * {@code WATCHDOG_USEC} when the unit has {@code WatchdogSec=} (honoured only if {@code WATCHDOG_PID} is absent or
     * names {@code pid}, as sd_watchdog_enabled does).
     */
    public static SystemdNotify from(Map<String, String> env, long pid) {
        String socket = env.get("NOTIFY_SOCKET");
        if (socket == null || socket.isEmpty()) return new SystemdNotify(null, null);
        return new SystemdNotify(socket, watchdogInterval(env, pid));
    }

    /** Half of WATCHDOG_USEC (systemd's advice), or null when the watchdog is off or meant for another process. */
    static Duration watchdogInterval(Map<String, String> env, long pid) {
        String usec = env.get("WATCHDOG_USEC");
        String watchdogPid = env.get("WATCHDOG_PID");
        if (usec == null || (watchdogPid != null && !watchdogPid.equals(Long.toString(pid)))) return null;
        try {
            long micros = Long.parseLong(usec.trim());
            return micros > 0 ? Duration.ofNanos(micros * 1000 / 2) : null;
        } catch (NumberFormatException e) {
            log.warn("systemd WATCHDOG_USEC ignored: not a number of microseconds value={}", usec);
            return null;
        }
    }

    /** Whether systemd asked for notifications at all. */
    public boolean enabled() {
        return socketName != null;
    }

    /** How often to send WATCHDOG=1, or null when systemd does not watch this process. */
    public Duration watchdogInterval() {
        return watchdogInterval;
    }

    /** READY=1 with a STATUS= line: every process group can serve. */
    public void ready(String status) {
        send("READY=1\nSTATUS=" + status);
    }

    /** RELOADING=1 with the CLOCK_MONOTONIC time systemd (253 and later) wants with it, and a STATUS= line. */
    public void reloading(String status) {
        // System.nanoTime is CLOCK_MONOTONIC on Linux, the clock MONOTONIC_USEC is read against.
        send("RELOADING=1\nMONOTONIC_USEC=" + System.nanoTime() / 1000 + "\nSTATUS=" + status);
    }

    /** STOPPING=1 with a STATUS= line: the server has begun to stop. */
    public void stopping(String status) {
        send("STOPPING=1\nSTATUS=" + status);
    }

    public void watchdog() {
        send("WATCHDOG=1");
    }

    /** Sends one datagram; without NOTIFY_SOCKET, nothing. */
    public void send(String state) {
        if (socketName == null) return;
        synchronized (lock) {
            try {
                if (fd < 0) fd = open();
                sendTo(fd, state);
            } catch (Throwable e) {
                if (!failed) {
                    failed = true;
                    log.warn("systemd notification failed: NOTIFY_SOCKET={} state={} error={}", socketName,
                            state.replace('\n', ' '), e.getMessage());
                }
            }
        }
    }

    private static final Linker LINKER = Linker.nativeLinker();

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"));
    }

    private static int open() throws Throwable {
        MethodHandle socket = libc("socket", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURED);
            int fd = (int) socket.invokeExact(state, AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
            if (fd < 0) throw new java.io.IOException("socket(AF_UNIX, SOCK_DGRAM) failed: errno " + errno(state));
            return fd;
        }
    }

    private void sendTo(int fd, String state) throws Throwable {
        MethodHandle sendto = libc("sendto", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
        try (Arena arena = Arena.ofConfined()) {
            byte[] message = state.getBytes(StandardCharsets.UTF_8);
            MemorySegment buffer = arena.allocate(message.length);
            buffer.copyFrom(MemorySegment.ofArray(message));
            MemorySegment address = arena.allocate(2 + SUN_PATH);
            int length = address(address, socketName);
            MemorySegment captured = arena.allocate(CAPTURED);
            long sent = (long) sendto.invokeExact(captured, fd, buffer, (long) message.length, MSG_NOSIGNAL | MSG_DONTWAIT, address,
                    length);
            if (sent < 0) throw new java.io.IOException("sendto failed: errno " + errno(captured));
        }
    }

    /**
     * Fills a {@code struct sockaddr_un} and returns the length to pass: for a path, with its terminating NUL; for
     * {@code @name}, a NUL first and exactly the name's bytes after it (an abstract name is not NUL-terminated).
     */
    static int address(MemorySegment sockaddr, String name) {
        boolean abstractName = name.startsWith("@");
        byte[] path = (abstractName ? name.substring(1) : name).getBytes(StandardCharsets.UTF_8);
        if (path.length + 1 > SUN_PATH) {
            throw new IllegalArgumentException("NOTIFY_SOCKET is longer than a UNIX socket address may be");
        }
        sockaddr.fill((byte) 0);
        sockaddr.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(MemorySegment.ofArray(path), 0, sockaddr, 2 + (abstractName ? 1 : 0), path.length);
        return 2 + 1 + path.length; // the NUL: leading for an abstract name, trailing for a path
    }

    private static int errno(MemorySegment captured) {
        return (int) ERRNO.get(captured, 0L);
    }
}
