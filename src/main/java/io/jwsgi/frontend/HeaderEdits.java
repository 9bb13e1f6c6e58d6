package io.jwsgi.frontend;

import io.jwsgi.site.Site.HeaderEdit;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A configuration file's {@code Header set|append|add|merge|unset} edits, applied to a response's headers once the
 * application (or the static file, the redirect, the error page) has set its own and before they are sent: on the
 * first write, or when the response completes without one. Like mod_headers' default, they apply after the content
 * handler, so {@code Header set} replaces what the application said.
 */
final class HeaderEdits extends Response.Wrapper {
    private final List<HeaderEdit> edits;
    private boolean applied;

    HeaderEdits(Request request, Response response, List<HeaderEdit> edits) {
        super(request, response);
        this.edits = List.copyOf(edits);
    }

    /** The request's callback, applying the edits first when the response completes without a write. */
    Callback around(Callback callback) {
        return new Callback.Nested(callback) {
            @Override
            public void succeeded() {
                apply();
                super.succeeded();
            }
        };
    }

    @Override
    public void write(boolean last, ByteBuffer content, Callback callback) {
        apply();
        super.write(last, content, callback);
    }

    private void apply() {
        if (applied || isCommitted()) return;
        applied = true;
        HttpFields.Mutable headers = getHeaders();
        for (HeaderEdit e : edits) {
            switch (e.action()) {
                case "set" -> headers.put(e.name(), e.value());
                case "append" -> {
                    String old = headers.get(e.name());
                    headers.put(e.name(), old == null ? e.value() : old + ", " + e.value());
                }
                case "merge" -> {
                    String old = headers.get(e.name());
                    if (old == null) headers.put(e.name(), e.value());
                    else if (!List.of(old.split("\\s*,\\s*")).contains(e.value())) headers.put(e.name(), old + ", " + e.value());
                }
                case "add" -> headers.add(e.name(), e.value());
                case "unset" -> headers.remove(e.name());
                default -> throw new IllegalStateException("unknown Header action " + e.action());
            }
        }
    }
}
