package io.jwsgi.frontend.express;

import io.jwsgi.config.ContentOptions;
import io.jwsgi.config.ErrorDocument;
import io.jwsgi.config.ExpressOptions;
import io.jwsgi.frontend.ErrorOverride;
import io.jwsgi.frontend.InlineDispatch;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * start-server's application with mod_wsgi-express's per-request options: a HEAD request reaches it as GET with
 * {@code --map-head-to-get On} (Jetty still sends no body: the connection knows the client's method), and its
 * error responses, or the front end's own failures, are answered by {@code --error-document}s as {@link
 * ErrorOverride} decides ({@code --error-override}). A local document is a file of {@code --document-root} or of a
 * {@code --url-alias}, found as those serve it.
 */
public final class ExpressRequests extends Handler.Wrapper {
    private static final Logger log = LoggerFactory.getLogger(ExpressRequests.class);

    private final ExpressOptions options;
    private final ContentOptions content;
    private final MimeTypes types;
    private final Executor threads;

    private ExpressRequests(ExpressOptions options, ContentOptions content, Executor threads, Handler application) {
        super(application);
        this.options = options;
        this.content = content;
        this.threads = threads;
        MimeTypes.Mutable table = new MimeTypes.Mutable(MimeTypes.DEFAULTS);
        content.types().forEach((ext, type) -> table.addMimeMapping(ext.substring(1), type));
        this.types = table;
    }

    /** {@code application} itself when none of the options is given: requests then pay nothing for this. */
    public static Handler around(ExpressOptions options, ContentOptions content, Executor threads,
                                 Handler application) {
        return options.wrapsResponses() ? new ExpressRequests(options, content, threads, application) : application;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Request seen = request;
        if (options.mapHeadToGet() && HttpMethod.HEAD.is(request.getMethod())) {
            seen = new Request.Wrapper(request) {
                @Override
                public String getMethod() {
                    return HttpMethod.GET.asString();
                }
            };
        }
        if (!options.errorOverride() && options.errorDocuments().isEmpty()) {
            return super.handle(seen, response, callback);
        }
        ErrorOverride overridden = new ErrorOverride(seen, response, options.errorOverride(), new ErrorOverride.Page() {
            @Override
            public void write(Request req, Response res, Callback cb, int status) {
                page(req, res, cb, status);
            }

            @Override
            public boolean documented(int status) {
                ErrorDocument doc = options.errorDocuments().get(status);
                return doc != null && doc.kind() != ErrorDocument.Kind.DEFAULT;
            }
        });
        return super.handle(seen, overridden, overridden.around(callback));
    }

    /** The error response for {@code status}: its --error-document, else Jetty's standard page. */
    private void page(Request request, Response response, Callback callback, int status) {
        ErrorDocument doc = options.errorDocuments().get(status);
        if (doc == null || doc.kind() == ErrorDocument.Kind.DEFAULT) {
            Response.writeError(request, response, callback, status);
            return;
        }
        switch (doc.kind()) {
            case TEXT -> ErrorOverride.writeMessage(response, callback, status, doc.value());
            case REMOTE -> Response.sendRedirect(request, response, callback, HttpStatus.FOUND_302, doc.value(), true);
            case LOCAL -> {
                if (InlineDispatch.onSelectorThread()) {
                    threads.execute(() -> local(doc, request, response, callback, status));
                } else {
                    local(doc, request, response, callback, status);
                }
            }
            case DEFAULT -> Response.writeError(request, response, callback, status);
        }
    }

    /** A local document's file as the body, with the error's status; the standard page when there is no such file. */
    private void local(ErrorDocument doc, Request request, Response response, Callback callback, int status) {
        try {
            String path = doc.value();
            int query = path.indexOf('?');
            Path file = file(query < 0 ? path : path.substring(0, query));
            if (file == null || !Files.isRegularFile(file)) {
                log.warn("error document not served, the standard page instead status={} document={} file={}",
                        status, path, file);
                Response.writeError(request, response, callback, status);
                return;
            }
            byte[] body = Files.readAllBytes(file);
            response.setStatus(status);
            String type = types.getMimeByExtension(file.getFileName().toString());
            if (type != null) response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
            response.write(true, ByteBuffer.wrap(body), callback);
        } catch (Throwable x) {
            callback.failed(x);
        }
    }

    /** Where --url-alias (longest first, as they are kept) or else --document-root serves {@code path} from. */
    Path file(String path) {
        for (ContentOptions.UrlAlias alias : content.urlAliases()) {
            String url = alias.url();
            if (!alias.directory() && path.equals(url)) return alias.target();
            String prefix = url.endsWith("/") ? url : url + "/";
            if (alias.directory() && path.startsWith(prefix)) return confined(alias.target(), path.substring(prefix.length()));
        }
        return content.documentRoot() == null ? null : confined(content.documentRoot(), path.substring(1));
    }

    /** {@code relative} under {@code base}, or null when it would leave it. */
    private static Path confined(Path base, String relative) {
        Path file = base.resolve(relative).normalize();
        return file.startsWith(base) ? file : null;
    }
}
