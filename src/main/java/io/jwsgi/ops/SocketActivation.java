package io.jwsgi.ops;

import io.jwsgi.config.ConfigException;
import io.jwsgi.config.Operations;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
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

    /** The inherited listening socket; call once, before anything else asks for {@link System#inheritedChannel}. */
    public static ServerSocketChannel inheritedSocket() throws IOException {
        int fd = Operations.LISTEN_FDS_START;
        Linker linker = Linker.nativeLinker();
        MethodHandle dup2 = linker.downcallHandle(linker.defaultLookup().find("dup2").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        try {
            if ((int) dup2.invokeExact(fd, 0) != 0) {
                throw new ConfigException("LISTEN_FDS=1 but file descriptor " + fd + " is not open");
            }
            int ignored = (int) close.invokeExact(fd); // fd 0 now holds the socket; do not keep it twice
        } catch (ConfigException e) {
            throw e;
        } catch (Throwable e) {
            throw new IOException("cannot take over file descriptor " + fd + ": " + e, e);
        }
        Channel channel = System.inheritedChannel();
        if (!(channel instanceof ServerSocketChannel server)) {
            throw new ConfigException("LISTEN_FDS=1 but file descriptor " + fd
                    + " is not a listening TCP socket (got " + channel + ")");
        }
        return server;
    }
}
