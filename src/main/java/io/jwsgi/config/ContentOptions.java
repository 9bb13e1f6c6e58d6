package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.COMPRESS_RESPONSES;
import static io.jwsgi.config.StartServerSettings.DIRECTORY_INDEX;
import static io.jwsgi.config.StartServerSettings.DIRECTORY_LISTING;
import static io.jwsgi.config.StartServerSettings.MIME_TYPES;
import static io.jwsgi.config.StartServerSettings.DOCUMENT_ROOT;
import static io.jwsgi.config.StartServerSettings.ENABLE_SENDFILE;
import static io.jwsgi.config.StartServerSettings.URL_ALIAS;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the front end serves besides the application, and how: static files ({@code --document-root},
 * {@code --url-alias}, {@code --directory-index}, {@code --enable-sendfile}) and response compression
 * ({@code --compress-responses}). docs/static-files.md describes the behaviour.
 *
 * @param documentRoot     absolute, a directory; null when not given (then no static handler exists at all)
 * @param directoryIndex   file name served for a directory URL, or null
 * @param urlAliases       longest URL first, as mod_wsgi-express sorts them
 * @param enableSendfile   static file bodies go out from memory-mapped pages, never copied through buffers
 * @param compressResponses gzip or brotli for compressible responses, when the client accepts it
 * @param directoryListing  {@code --directory-listing}: a directory without its index file is listed, not a 403
 * @param types             {@code --mime-types}: file extension (with its dot, lower case) to content type, over
 *                          the built-in table
 */
public record ContentOptions(
        Path documentRoot,
        String directoryIndex,
        List<UrlAlias> urlAliases,
        boolean enableSendfile,
        boolean compressResponses,
        boolean directoryListing,
        Map<String, String> types) {

    /**
     * One {@code --url-alias URL PATH}: requests for {@code url} (and, for a directory, everything under it) are
     * served from {@code target} and never reach the application.
     *
     * @param url       as given; starts with '/'. A trailing '/' means only paths under it match (Apache's
     *                  Alias rule), not the bare prefix
     * @param target    absolute and normalized, an existing file or directory
     * @param directory whether {@code target} is a directory
     */
    public record UrlAlias(String url, Path target, boolean directory) {}

    public ContentOptions {
        urlAliases = List.copyOf(urlAliases);
        types = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(types));
    }

    /** Nothing static, no compression: the app is the whole site. */
    public static ContentOptions none() {
        return new ContentOptions(null, null, List.of(), false, false, false, Map.of());
    }

    /** Whether any static file is served at all (a document root or an alias). */
    public boolean servesFiles() {
        return documentRoot != null || !urlAliases.isEmpty();
    }

    /** Builds the record from parsed arguments; relative paths are taken from {@code cwd}. */
    static ContentOptions resolve(Arguments args, Path cwd) {
        Path documentRoot = null;
        Path givenRoot = args.value(DOCUMENT_ROOT);
        if (givenRoot != null) {
            documentRoot = cwd.resolve(givenRoot).normalize();
            if (!Files.isDirectory(documentRoot)) {
                throw new ConfigException(DOCUMENT_ROOT.flag() + ": not a directory: " + documentRoot);
            }
            requireReadable(documentRoot, DOCUMENT_ROOT);
        }
        Path typesFile = args.value(MIME_TYPES) == null ? null : cwd.resolve(args.value(MIME_TYPES)).normalize();
        return new ContentOptions(documentRoot, args.value(DIRECTORY_INDEX), urlAliases(args, cwd),
                args.isGiven(ENABLE_SENDFILE), args.isGiven(COMPRESS_RESPONSES), args.isGiven(DIRECTORY_LISTING),
                typesFile == null ? Map.of() : mimeTypes(typesFile));
    }

    /**
     * A mime.types file, as Apache's TypesConfig reads it: per line a content type and the extensions that have it,
     * '#' comments and blank lines skipped. A later line wins for an extension.
     */
    static Map<String, String> mimeTypes(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(MIME_TYPES.flag() + ": cannot read " + file + ": " + e.getMessage());
        }
        Map<String, String> types = new java.util.LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] words = line.split("\\s+");
            if (!words[0].matches("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")) {
                throw new ConfigException(MIME_TYPES.flag() + ": " + file + ":" + (i + 1) + ": '" + words[0]
                        + "' is not a content type (type/subtype)");
            }
            for (int w = 1; w < words.length; w++) {
                String ext = words[w].startsWith(".") ? words[w].substring(1) : words[w];
                types.put("." + ext.toLowerCase(java.util.Locale.ROOT), words[0]);
            }
        }
        return types;
    }

    private static List<UrlAlias> urlAliases(Arguments args, Path cwd) {
        List<UrlAlias> aliases = new ArrayList<>();
        Set<String> urls = new HashSet<>();
        for (Map.Entry<String, String> pair : args.values(URL_ALIAS)) {
            String url = pair.getKey();
            if (!urls.add(url)) {
                throw new ConfigException(URL_ALIAS.flag() + ": URL '" + url + "' is given twice");
            }
            Path target;
            try {
                target = cwd.resolve(pair.getValue()).normalize();
            } catch (java.nio.file.InvalidPathException e) {
                throw new ConfigException(URL_ALIAS.flag() + ": '" + pair.getValue() + "' is not a path");
            }
            if (!Files.exists(target)) {
                throw new ConfigException(URL_ALIAS.flag() + ": no such file or directory for " + url + ": " + target);
            }
            requireReadable(target, URL_ALIAS);
            aliases.add(new UrlAlias(url, target, Files.isDirectory(target)));
        }
        // Longest URL first, so /static/img wins over /static (mod_wsgi-express sorts them the same way).
        aliases.sort(Comparator.comparingInt((UrlAlias a) -> a.url().length()).reversed());
        return aliases;
    }

    /** Resolving symbolic links now means a broken or unreadable target is a start-up error, not a 404 later. */
    private static void requireReadable(Path path, Setting<?> setting) {
        try {
            path.toRealPath();
        } catch (IOException e) {
            throw new ConfigException(setting.flag() + ": cannot use " + path + ": " + e.getMessage());
        }
        if (!Files.isReadable(path)) {
            throw new ConfigException(setting.flag() + ": not readable: " + path);
        }
    }
}
