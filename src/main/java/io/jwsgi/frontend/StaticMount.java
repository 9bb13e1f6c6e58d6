package io.jwsgi.frontend;

import io.jwsgi.config.ContentOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.CompressedContentFormat;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.http.content.FileMappingHttpContentFactory;
import org.eclipse.jetty.http.content.HttpContent;
import org.eclipse.jetty.http.content.PreCompressedHttpContentFactory;
import org.eclipse.jetty.http.content.ResourceHttpContentFactory;
import org.eclipse.jetty.http.content.ValidatingCachingHttpContentFactory;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.ResourceService;
import org.eclipse.jetty.util.URIUtil;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One place static files are served from: the document root, or one {@code --url-alias} (a directory, or a single
 * file). A Jetty {@link ResourceService} (MIME types, ETag and Last-Modified with 304s, byte ranges with 206 and
 * 416, precompressed {@code .br}/{@code .gz} siblings, directory redirects and index files) over a chain of
 * Jetty content factories, bottom up:
 *
 * <ol>
 *   <li>{@link ConfinedFiles}: resolves a path under the mount's directory and refuses any file whose real path
 *       (symbolic links resolved) is outside the real directory the user configured;</li>
 *   <li>without {@code --enable-sendfile}: precompressed-sibling discovery and Jetty's validating in-memory content
 *       cache (revalidated against the file every second); with it, {@link MappedFiles}: each file memory-mapped
 *       once and written from the mapping;</li>
 *   <li>{@link ExistingOnly}: one {@code stat} answers "no such file" before the cache is asked, so misses (every
 *       application request under a document root) never fill or churn the cache.</li>
 * </ol>
 */
final class StaticMount {
    private static final Logger log = LoggerFactory.getLogger(StaticMount.class);
    /** How often a cached file is compared with the file system (Jetty's ResourceHandler uses the same). */
    private static final long VALIDATION_MILLIS = 1000;
    /** Largest file kept in a mount's memory cache, and the most the cache holds. */
    private static final int CACHED_FILE_MAX = 4 * 1024 * 1024;
    private static final long CACHE_MAX = 64L * 1024 * 1024;

    /** URL prefix without a trailing '/'; null for the document root (which sees every path). */
    private final String url;
    /** The alias was given with a trailing '/': only paths under it match, not the bare prefix (Apache's rule). */
    private final boolean underOnly;
    /** For an alias of one file: its name in {@link #base}; null for a directory. */
    private final String fileName;
    private final Path base;
    private final String directoryIndex;
    private final HttpContent.Factory files;
    private final ResourceService service;

    private StaticMount(String url, boolean underOnly, String fileName, Path base, Path realRoot,
                        ContentOptions options, ByteBufferPool.Sized buffers) {
        this(url, underOnly, fileName, base, realRoot, options, buffers, types(options.types()));
    }

    /** Jetty's table of file types with {@code byExtension} (".ext" to type: AddType, --mime-types) over it. */
    static MimeTypes types(java.util.Map<String, String> byExtension) {
        if (byExtension.isEmpty()) return MimeTypes.DEFAULTS;
        MimeTypes.Mutable types = new MimeTypes.Mutable(MimeTypes.DEFAULTS);
        byExtension.forEach((ext, type) -> types.addMimeMapping(ext.substring(1), type));
        return types;
    }

    private StaticMount(String url, boolean underOnly, String fileName, Path base, Path realRoot,
                        ContentOptions options, ByteBufferPool.Sized buffers, MimeTypes types) {
        this.url = url;
        this.underOnly = underOnly;
        this.fileName = fileName;
        this.base = base;
        this.directoryIndex = options.directoryIndex();
        this.files = chain(base, realRoot, options.enableSendfile(), buffers, types);
        this.service = new ResourceService();
        service.setHttpContentFactory(files);
        service.setEtags(true);
        service.setAcceptRanges(true);
        // No listings unless --directory-listing (Options +Indexes): a directory without its index file is a 403.
        service.setDirAllowed(options.directoryListing());
        service.setPrecompressedFormats(List.of(CompressedContentFormat.BR, CompressedContentFormat.GZIP));
        service.setWelcomeMode(ResourceService.WelcomeMode.SERVE); // the index is served at the directory's URL
        service.setWelcomeFactory(this::welcomeTarget);
    }

    static StaticMount documentRoot(Path directory, ContentOptions options, ByteBufferPool.Sized buffers)
            throws IOException {
        return new StaticMount(null, false, null, directory, directory.toRealPath(), options, buffers);
    }

    /** A directory served with its own file types (a configuration file's AddType over Jetty's table). */
    static StaticMount directory(Path directory, ContentOptions options, ByteBufferPool.Sized buffers, MimeTypes types)
            throws IOException {
        return new StaticMount(null, false, null, directory, directory.toRealPath(), options, buffers, types);
    }

    static StaticMount alias(ContentOptions.UrlAlias alias, ContentOptions options, ByteBufferPool.Sized buffers)
            throws IOException {
        String url = alias.url();
        boolean underOnly = url.endsWith("/");
        while (url.endsWith("/")) url = url.substring(0, url.length() - 1);
        Path target = alias.target();
        if (alias.directory()) {
            return new StaticMount(url, underOnly, null, target, target.toRealPath(), options, buffers);
        }
        // A single file: its directory is the base, and the only real path allowed is the file's own (or its
        // precompressed siblings, in the same real directory).
        return new StaticMount(url, false, target.getFileName().toString(), target.getParent(),
                target.toRealPath().getParent(), options, buffers);
    }

    ResourceService service() {
        return service;
    }

    /** The file itself, never a precompressed sibling: what a byte range is taken from. */
    HttpContent identity(String inMount) throws IOException {
        return files.getContent(inMount);
    }

    /**
     * The path inside this mount for a request path (decoded, canonical), or null when the request is not this
     * mount's. For a file alias any path under its URL is the mount's too, and names no file (a 404 then).
     */
    String pathInMount(String path) {
        if (url == null) return path;
        if (fileName != null) {
            if (path.equals(url)) return "/" + fileName;
            return path.startsWith(url + "/") ? "/" + fileName + path.substring(url.length()) : null;
        }
        if (!path.startsWith(url)) return null;
        if (path.length() == url.length()) return underOnly ? null : "";
        return path.charAt(url.length()) == '/' ? path.substring(url.length()) : null;
    }

    /** The directory index inside the requested directory, when there is one and it is a file. */
    private String welcomeTarget(HttpContent directory, Request request) throws IOException {
        if (directoryIndex == null) return null;
        String path = StaticFiles.filePath(request);
        String inMount = path == null ? null : pathInMount(path);
        if (inMount == null) return null;
        String target = URIUtil.addPaths(inMount.isEmpty() ? "/" : inMount, directoryIndex);
        HttpContent index = files.getContent(target);
        return index != null && !index.getResource().isDirectory() ? target : null;
    }

    @Override
    public String toString() {
        return (url == null ? "document-root=" : url + " -> ") + (fileName == null ? base : base.resolve(fileName));
    }

    private static HttpContent.Factory chain(Path base, Path realRoot, boolean mapped, ByteBufferPool.Sized buffers,
                                             MimeTypes types) {
        HttpContent.Factory confined = new ConfinedFiles(base, realRoot, buffers, types);
        List<CompressedContentFormat> formats = List.of(CompressedContentFormat.BR, CompressedContentFormat.GZIP);
        HttpContent.Factory served;
        if (mapped) {
            served = new PreCompressedHttpContentFactory(new MappedFiles(confined), formats);
        } else {
            ValidatingCachingHttpContentFactory cache = new ValidatingCachingHttpContentFactory(
                    new PreCompressedHttpContentFactory(confined, formats), VALIDATION_MILLIS, buffers);
            // Jetty's defaults (files to 128 MiB, 256 MiB in all) are per mount here: keep memory modest. Larger
            // files are read from disk for each request.
            cache.setMaxCachedFileSize(CACHED_FILE_MAX);
            cache.setMaxCacheSize(CACHE_MAX);
            served = cache;
        }
        return new ExistingOnly(base, served);
    }

    /** The file a path inside the mount names, or null when it cannot name one under {@code base}. */
    static Path fileFor(Path base, String pathInMount) {
        int start = 0;
        while (start < pathInMount.length() && pathInMount.charAt(start) == '/') start++;
        if (start == pathInMount.length()) return base;
        Path file;
        try {
            file = base.resolve(pathInMount.substring(start));
        } catch (InvalidPathException e) {
            return null;
        }
        // Jetty hands over canonical paths (no "." or ".." segments); a path that is not is refused, not resolved.
        return file.normalize().equals(file) && file.startsWith(base) ? file : null;
    }

    /** Resolves inside the mount and refuses anything whose real path leaves the configured directory. */
    static final class ConfinedFiles extends ResourceHttpContentFactory {
        private final Path base;
        private final Path realRoot;

        ConfinedFiles(Path base, Path realRoot, ByteBufferPool.Sized buffers, MimeTypes types) {
            super(ResourceFactory.root().newResource(base), types, buffers);
            this.base = base;
            this.realRoot = realRoot;
        }

        @Override
        protected Resource resolve(String pathInMount) {
            Path file = fileFor(base, pathInMount);
            if (file == null) return null;
            try {
                if (!file.toRealPath().startsWith(realRoot)) {
                    log.debug("static file refused: it leads outside its directory path={} root={}", file, realRoot);
                    return null;
                }
            } catch (IOException e) {
                return null; // gone, a dangling link, or not readable: no such file
            }
            return ResourceFactory.root().newResource(file);
        }
    }

    /** Answers "no such file" with one stat before the content cache is consulted. */
    static final class ExistingOnly extends ContainerLifeCycle implements HttpContent.Factory {
        private final Path base;
        private final HttpContent.Factory next;

        ExistingOnly(Path base, HttpContent.Factory next) {
            this.base = base;
            this.next = next;
            addBean(next, true);
        }

        @Override
        public HttpContent getContent(String path) throws IOException {
            Path file = fileFor(base, path);
            return file != null && Files.exists(file) ? next.getContent(path) : null;
        }
    }

    /**
     * {@code --enable-sendfile}: each file is memory-mapped once (Jetty's file mapping) and written from the
     * mapping, so its bytes go from the page cache to the socket without passing through a read buffer. A file
     * whose size or modification time changed is mapped again.
     */
    static final class MappedFiles extends ContainerLifeCycle implements HttpContent.Factory {
        /** Past this many files the map starts over rather than tracking use: mappings cost address space only. */
        private static final int MAX_FILES = 4096;

        private record Mapped(HttpContent content, long length, Instant modified) {}

        private final HttpContent.Factory files;
        private final FileMappingHttpContentFactory mapping;
        private final ConcurrentHashMap<String, Mapped> mapped = new ConcurrentHashMap<>();

        MappedFiles(HttpContent.Factory files) {
            this.files = files;
            this.mapping = new FileMappingHttpContentFactory(files, 1, -1);
            addBean(mapping, true);
        }

        @Override
        public HttpContent getContent(String path) throws IOException {
            HttpContent current = files.getContent(path);
            if (current == null || current.getResource().isDirectory()) {
                mapped.remove(path);
                return current;
            }
            long length = current.getContentLengthValue();
            Instant modified = current.getLastModifiedInstant();
            Mapped known = mapped.get(path);
            if (known != null && known.length() == length && Objects.equals(known.modified(), modified)) {
                return known.content();
            }
            HttpContent fresh = mapping.getContent(path);
            if (fresh == null) return null;
            if (mapped.size() >= MAX_FILES) mapped.clear();
            mapped.put(path, new Mapped(fresh, length, modified));
            return fresh;
        }
    }
}
