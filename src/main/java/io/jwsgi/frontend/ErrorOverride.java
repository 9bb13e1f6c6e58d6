package io.jwsgi.frontend;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code WSGIErrorOverride On} (and {@code ErrorDocument} for the front end's own failures): the response a process
 * group's handler writes is let through unless, at its first write (or at completion without one), its status is an
 * error the front end answers itself. Then the application's headers and every byte of its body are dropped and the
 * front end's error response for that status goes out instead, the status kept - what mod_wsgi does when it returns
 * the daemon's status to Apache and Apache sends its ErrorDocument. The writes of the application are still each
 * completed, so the exchange reads the worker's answer to its end and gives the channel back as it always does: the
 * first when the error response is written, the later ones at once.
 */
public final class ErrorOverride extends Response.Wrapper {
    /** Writes the front end's error response for a status (to a response not committed yet). */
    public interface Page {
        void write(Request request, Response response, Callback callback, int status);

        /** Whether an ErrorDocument answers the status (not just the front end's standard page). */
        boolean documented(int status);
    }

    /**
     * Set on the request by {@link Failure#respond}: the error is the front end's own (no worker thread, the worker
     * lost, a timeout), which an ErrorDocument answers whatever WSGIErrorOverride says, as Apache's would.
     */
    static final String FRONT_END_ERROR = ErrorOverride.class.getName() + ".frontEnd";

    private enum State { UNDECIDED, PASS, REPLACED }

    private final Request request;
    private final boolean override;
    private final Page page;
    private State state = State.UNDECIDED;

    /**
     * @param override WSGIErrorOverride: every error status of the application is replaced; without it only the front
     *                 end's own failures are
     */
    public ErrorOverride(Request request, Response response, boolean override, Page page) {
        super(request, response);
        this.request = request;
        this.override = override;
        this.page = page;
    }

    /** The request's callback, writing the error response first when the response completes without a write. */
    public Callback around(Callback callback) {
        return new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                if (state == State.UNDECIDED && !isCommitted() && replaces()) {
                    replace(getCallback());
                    return;
                }
                super.succeeded();
            }
        };
    }

    /**
     * An ErrorDocument's message as the body of the error response, as Apache writes it: text/html in ISO-8859-1, or
     * UTF-8 for a message beyond it.
     */
    public static void writeMessage(Response response, Callback callback, int status, String text) {
        boolean latin1 = text.chars().allMatch(c -> c < 256);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=" + (latin1 ? "iso-8859-1" : "utf-8"));
        byte[] body = text.getBytes(latin1 ? java.nio.charset.StandardCharsets.ISO_8859_1
                : java.nio.charset.StandardCharsets.UTF_8);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        switch (state) {
            case PASS -> super.write(last, content, callback);
            case REPLACED -> callback.succeeded(); // the error response is out: the application's bytes are dropped
            case UNDECIDED -> {
                if (!isCommitted() && replaces()) {
                    replace(callback);
                } else {
                    state = State.PASS;
                    super.write(last, content, callback);
                }
            }
        }
    }

    /**
     * An error of the application's with the override on; a failure of the front end's own (already its standard
     * page) only when an ErrorDocument answers its status.
     */
    private boolean replaces() {
        int status = getStatus();
        if (status < 400) return false;
        return request.getAttribute(FRONT_END_ERROR) != null ? page.documented(status) : override;
    }

    /**
     * The error response in place of the application's, completing {@code callback} when it is written. Of the
     * application's headers only those Apache keeps on its error responses stay: Set-Cookie (err_headers_out),
     * WWW-Authenticate on a 401 (the challenge the status is about), and the front end's Connection and Retry-After.
     */
    private void replace(Callback callback) {
        state = State.REPLACED;
        int status = getStatus();
        HttpFields.Mutable headers = getHeaders();
        List<HttpField> kept = new ArrayList<>();
        for (HttpField f : headers) {
            if (f.is(HttpHeader.SET_COOKIE.asString()) || f.is(HttpHeader.CONNECTION.asString())
                    || f.is(HttpHeader.RETRY_AFTER.asString())
                    || (status == 401 && f.is(HttpHeader.WWW_AUTHENTICATE.asString()))) {
                kept.add(f);
            }
        }
        headers.clear();
        kept.forEach(headers::add);
        page.write(request, getWrapped(), callback, status);
    }
}
