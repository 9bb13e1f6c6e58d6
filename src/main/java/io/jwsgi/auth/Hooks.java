package io.jwsgi.auth;

import io.jwsgi.daemon.Channel;
import io.jwsgi.daemon.Dispatch;
import io.jwsgi.daemon.DispatchException;
import io.jwsgi.protocol.Frame;
import io.jwsgi.protocol.ProtocolException;
import io.jwsgi.protocol.RequestEncoder;
import io.jwsgi.site.Site.HookScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.server.Request;

/**
 * Calls a Python hook in the hook process group (docs/auth-hooks.md, docs/design.md "Auth hooks"). A call is an
 * ordinary request on one of the group's persistent channels: the environ is the request's own (CGI variables and
 * headers, without {@code Authorization} and without SetEnv values, written by the front end's
 * {@link EnvironWriter}), plus the connection's SSL_* variables and the call itself under {@code mod_wsgi.x-hook*};
 * the group's application,
 * {@code jwsgi.hooks}, answers with one typed result in the body. So the hooks reuse the supervisor (restarts,
 * timeouts, logs) and the wire protocol unchanged: no new frame type.
 *
 * <p>Blocking: call it from a request's own thread, never a selector thread.
 */
public final class Hooks {
    /** Bigger answers are a broken dispatcher, not a hook: groups lists are short. */
    private static final int MAX_ANSWER = 1 << 20;

    private final Dispatch dispatch;
    private final EnvironWriter environ;
    private final AtomicLong calls = new AtomicLong();

    /** Writes a request's environ for a hook call (the front end's; this package must not depend on it). */
    public interface EnvironWriter {
        void write(RequestEncoder encoder, Request request, String requestId);
    }

    public Hooks(Dispatch dispatch, EnvironWriter environ) {
        this.dispatch = dispatch;
        this.environ = environ;
    }

    /** The hook failed: it raised (its traceback is in the error log), answered a wrong type, or was unreachable. */
    public static final class HookException extends Exception {
        public HookException(String message) {
            super(message);
        }
    }

    /** A hook's answer: {@code T}, {@code F}, {@code N}, {@code S} + text, or {@code L} + names, one per line. */
    public record Answer(char kind, String text) {
        public boolean isTrue() {
            return kind == 'T';
        }

        public boolean isFalse() {
            return kind == 'F';
        }

        public boolean isNone() {
            return kind == 'N';
        }

        /** The str result, or null when the hook answered something else. */
        public String string() {
            return kind == 'S' ? text : null;
        }

        public List<String> names() {
            return kind != 'L' || text.isEmpty() ? List.of() : Arrays.asList(text.split("\n", -1));
        }
    }

    /**
     * Runs {@code hook(environ, args...)} of {@code script} for {@code request}; throws when the hook failed.
     *
     * @param hook allow_access, check_password, get_realm_hash or groups_for_user
     */
    public Answer call(String hook, HookScript script, Request request, String... args) throws HookException {
        Channel channel;
        try {
            channel = dispatch.acquire();
        } catch (DispatchException e) {
            throw new HookException("hook process group unavailable: " + e.getMessage());
        }
        boolean clean = false;
        try {
            String id = "hook-" + calls.incrementAndGet();
            channel.requestId(id);
            RequestEncoder enc = channel.encoder().beginRequest();
            environ.write(enc, request, id);
            enc.put("mod_wsgi.x-hook", hook);
            enc.put("mod_wsgi.x-hook-script", script.path().toString());
            enc.put("mod_wsgi.x-hook-application-group", script.applicationGroup());
            for (int i = 0; i < args.length; i++) enc.put("mod_wsgi.x-hook-arg-" + (i + 1), args[i]);
            enc.endEnviron().mark(Frame.END);
            channel.sendEncoded();
            String body = readAnswer(channel);
            clean = true;
            if (body.isEmpty()) throw new HookException(hook + "(): empty answer from the hook process group");
            char kind = body.charAt(0);
            if (kind == 'E') {
                throw new HookException(hook + "() of " + script.path() + " failed: " + body.substring(1)
                        + " (traceback in the error log)");
            }
            return new Answer(kind, body.substring(1));
        } catch (IOException e) {
            throw new HookException(hook + "(): the hook process group's channel failed: " + e.getMessage());
        } finally {
            if (clean) dispatch.release(channel);
            else dispatch.discard(channel);
        }
    }

    private static String readAnswer(Channel channel) throws IOException, HookException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            byte type = channel.nextFrame();
            switch (type) {
                case Frame.HEADERS -> channel.payload(MAX_ANSWER);
                case Frame.DATA -> {
                    if (body.size() + channel.remaining() > MAX_ANSWER) {
                        throw new ProtocolException("hook answer over " + MAX_ANSWER + " bytes");
                    }
                    body.write(channel.payload(MAX_ANSWER));
                }
                case Frame.END -> {
                    channel.payload(0);
                    return body.toString(StandardCharsets.UTF_8);
                }
                case Frame.FAIL -> {
                    byte[] p = channel.payload(MAX_ANSWER);
                    String message = p.length > 1 ? new String(p, 1, p.length - 1, StandardCharsets.UTF_8) : "";
                    throw new IOException("the hook dispatcher failed: " + message);
                }
                default -> throw new ProtocolException("unexpected " + Frame.typeName(type) + " frame in a hook answer");
            }
        }
    }
}
