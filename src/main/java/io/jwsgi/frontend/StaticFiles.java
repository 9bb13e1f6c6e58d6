package io.jwsgi.frontend;

import io.jwsgi.config.ContentOptions;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.content.HttpContent;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.URIUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static files in front of the application, as mod_wsgi-express configures Apache: every {@code --url-alias}
 * owns its URL space (a missing file is a 404 and never reaches the application), longest URL first; then the
 * {@code --document-root}, whose files win and whose misses fall through to the application. Each of them is a
 * {@link StaticMount}: Jetty's {@code ResourceService} over a content factory confined to its directory.
 *
 * <p>Only GET and HEAD are served from files. Another method on an existing file is answered 405, as Apache's
 * default handler does; on anything else under the document root it goes to the application.
 *
 * <p>Without {@code --document-root} and {@code --url-alias} this handler is not in the tree at all
 * ({@link #around}), so application requests pay nothing for it.
 */
public final class StaticFiles extends Handler.Wrapper {
    private static final Logger log = LoggerFactory.getLogger(StaticFiles.class);
    private final ContentOptions options;
    private final Duration socketTimeout;
    private final Duration keepAliveTimeout;
    private final List<StaticMount> aliases = new ArrayList<>();
    private StaticMount documentRoot;

    private StaticFiles(ContentOptions options, Duration socketTimeout, Duration keepAliveTimeout,
                        Handler application) {
        super(application);
        this.options = options;
        this.socketTimeout = socketTimeout;
        this.keepAliveTimeout = keepAliveTimeout;
    }

    /**
     * {@code application} with the static files in front of it, or {@code application} itself when there are none.
     * The two timeouts are the connection's, applied to static responses as the application's (WsgiHandler).
     */
    public static Handler around(ContentOptions options, Duration socketTimeout, Duration keepAliveTimeout,
                                 Handler application) {
        return options.servesFiles()
                ? new StaticFiles(options, socketTimeout, keepAliveTimeout, application) : application;
    }

    @Override
    protected void doStart() throws Exception {
        // The mounts need the server's buffer pool and scheduler, known only now; they start with this handler.
        ByteBufferPool.Sized buffers = new ByteBufferPool.Sized(getServer().getByteBufferPool(), true, 32 * 1024);
        for (ContentOptions.UrlAlias alias : options.urlAliases()) {
            StaticMount mount = StaticMount.alias(alias, options, buffers);
            aliases.add(mount);
            addBean(mount.service(), true);
        }
        if (options.documentRoot() != null) {
            documentRoot = StaticMount.documentRoot(options.documentRoot(), options, buffers);
            addBean(documentRoot.service(), true);
        }
        super.doStart();
        for (StaticMount mount : aliases) log.info("static files url-alias={}", mount);
        if (documentRoot != null) log.info("static files {}", documentRoot);
    }

    @Override
    protected void doStop() throws Exception {
        super.doStop();
        for (StaticMount mount : aliases) removeBean(mount.service());
        aliases.clear();
        if (documentRoot != null) removeBean(documentRoot.service());
        documentRoot = null;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = filePath(request);
        if (path == null) return super.handle(request, response, callback);
        for (StaticMount alias : aliases) {
            String inMount = alias.pathInMount(path);
            if (inMount == null) continue;
            if (!serve(alias, inMount, request, response, callback)) {
                WsgiHandler.keepAlive(request, response, socketTimeout, keepAliveTimeout);
                Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            }
            return true;
        }
        if (documentRoot != null && serve(documentRoot, path, request, response, callback)) return true;
        return super.handle(request, response, callback);
    }

    /**
     * The request's path as a file path: Jetty's canonical path (dot segments resolved; encoded dots, encoded
     * slashes and "/.." above the root already refused with 400 before any handler runs; path parameters
     * dropped) with its remaining percent-escapes decoded. Null when it does not decode. StaticMount confines
     * every file to its directory whatever the path says.
     */
    static String filePath(Request request) {
        String canonical = Request.getPathInContext(request);
        if (canonical == null) return null;
        try {
            return canonical.indexOf('%') < 0 ? canonical : URIUtil.decodePath(canonical);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Serves the file if the mount has it (and, for the document root, if it is the mount's); false if not. */
    private boolean serve(StaticMount mount, String inMount, Request request, Response response, Callback callback)
            throws IOException {
        // A directory of the document root is the application's unless --directory-index says directories are
        // served (mod_wsgi-express adds "RewriteCond !-d" only with a DirectoryIndex).
        boolean directories = mount != documentRoot || options.directoryIndex() != null || options.directoryListing();
        return serve(mount, inMount, directories, request, response, callback, socketTimeout, keepAliveTimeout);
    }

    /**
     * Serves {@code inMount} from {@code mount} if it has that file; false if not (and, unless {@code directories},
     * if it is a directory). Also what a configuration file's Alias and DocumentRoot use ({@link SiteHandler}).
     */
    static boolean serve(StaticMount mount, String inMount, boolean directories, Request request, Response response,
                         Callback callback, Duration socketTimeout, Duration keepAliveTimeout) throws IOException {
        HttpContent content;
        try {
            if (request.getHeaders().contains(HttpHeader.RANGE)) {
                // A range is a range of the file itself, never of a precompressed sibling; and a range whose
                // If-Range validator no longer matches is ignored (RFC 9110 13.1.5): the whole file goes out.
                content = mount.identity(inMount);
                if (content != null && !ifRangeMatches(request, content)) {
                    request = withoutRange(request);
                    content = mount.service().getContent(inMount, request);
                }
            } else {
                content = mount.service().getContent(inMount, request);
            }
        } catch (IllegalArgumentException e) {
            return false; // a name the file system cannot hold (InvalidPathException: a NUL byte, ...): no such file
        }
        if (content == null) return false;
        if (!directories && content.getResource().isDirectory()) return false;
        WsgiHandler.keepAlive(request, response, socketTimeout, keepAliveTimeout);
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        mount.service().doGet(request, response, callback, content);
        return true;
    }

    /**
     * If-Range (RFC 9110 13.1.5), which Jetty's ResourceService does not evaluate: absent, or a date equal to the
     * file's Last-Modified. An entity tag never matches: the ETags here are weak, and If-Range compares strongly.
     */
    static boolean ifRangeMatches(Request request, HttpContent content) {
        String ifRange = request.getHeaders().get(HttpHeader.IF_RANGE);
        if (ifRange == null) return true;
        String validator = ifRange.trim();
        if (validator.startsWith("\"") || validator.startsWith("W/")) return false;
        HttpField lastModified = content.getLastModified();
        return lastModified != null && validator.equals(lastModified.getValue());
    }

    private static Request withoutRange(Request request) {
        HttpFields headers = HttpFields.build(request.getHeaders())
                .remove(HttpHeader.RANGE).remove(HttpHeader.IF_RANGE).asImmutable();
        return new Request.Wrapper(request) {
            @Override
            public HttpFields getHeaders() {
                return headers;
            }
        };
    }

    /** The mounts as "URL -> directory", for logs and debugging. */
    @Override
    public String toString() {
        List<String> mounts = new ArrayList<>();
        for (StaticMount alias : aliases) mounts.add(alias.toString());
        if (documentRoot != null) mounts.add(documentRoot.toString());
        return "StaticFiles" + mounts;
    }
}
