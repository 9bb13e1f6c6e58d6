package io.jwsgi.ops;

import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Operations;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;

/**
 * systemd socket activation: the listening socket systemd bound is file descriptor 3 (LISTEN_FDS=1 and LISTEN_PID
 * naming this process, checked by the configuration). The JDK turns an inherited socket into a channel only for
 * file descriptor 0 ({@link System#inheritedChannel}, the inetd convention), so fd 3 is moved there first with
 * {@code dup2} through the foreign-function API, then handed to Jetty's connector. Standard input of the server is
 * not used (the workers get /dev/null).
 */
public final class SocketActivation {
    private SocketActivation() {}

    private static final int SOL_SOCKET = 1;
    /** Linux's SO_ACCEPTCONN: 1 for a socket that is listening. */
    private static final int SO_ACCEPTCONN = 30;

    /** The inherited listening socket; call once, before anything else asks for {@link System#inheritedChannel}. */
    public static ServerSocketChannel inheritedSocket() throws IOException {
        int fd = Operations.LISTEN_FDS_START;
        Linker linker = Linker.nativeLinker();
        try {
            // First make sure fd 3 is a listening socket: if it is not, it may be a file the JVM itself opened in
            // its place, and moving or closing that would pull it from under the JVM.
            if (!listening(linker, fd)) {
                throw new ConfigException("LISTEN_FDS=1 but file descriptor " + fd + " is not a listening socket");
            }
            MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            if ((int) dup2.invokeExact(fd, 0) != 0) {
                throw new IOException("dup2(" + fd + ", 0) failed");
            }
            int ignored = (int) close.invokeExact(fd); // fd 0 now holds the socket; do not keep it twice
        } catch (ConfigException | IOException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("cannot take over file descriptor " + fd + ": " + e, e);
        }
        Channel channel = System.inheritedChannel();
        if (!(channel instanceof ServerSocketChannel server) || !(server.getLocalAddress() instanceof InetSocketAddress)) {
            throw new ConfigException("LISTEN_FDS=1 but file descriptor " + fd
                    + " is not a listening TCP socket (got " + channel + ")");
        }
        return server;
    }

    /** getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN): fails with ENOTSOCK or EBADF for anything but a socket. */
    private static boolean listening(Linker linker, int fd) throws Throwable {
        MethodHandle getsockopt = linker.downcallHandle(linker.defaultLookup().find("getsockopt").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, 4);
            int result = (int) getsockopt.invokeExact(fd, SOL_SOCKET, SO_ACCEPTCONN, value, length);
            return result == 0 && value.get(ValueLayout.JAVA_INT, 0) == 1;
        }
    }
}
