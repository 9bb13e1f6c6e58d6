package io.jwsgi.frontend;

import io.jwsgi.config.ContentOptions;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.compression.brotli.BrotliCompression;
import org.eclipse.jetty.compression.brotli.BrotliEncoderConfig;
import org.eclipse.jetty.compression.gzip.GzipCompression;
import org.eclipse.jetty.compression.gzip.GzipEncoderConfig;
import org.eclipse.jetty.compression.server.CompressionConfig;
import org.eclipse.jetty.compression.server.CompressionHandler;
import org.eclipse.jetty.compression.server.internal.CompressionResponse;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MimeTypes;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --compress-responses}: Jetty's {@link CompressionHandler} with gzip and brotli around the static files and
 * the application alike, plus the policy mod_wsgi-express's mod_deflate set-up has and Jetty's handler does not
 * express: only compressible types (text/*, JSON, JavaScript, XML), never a partial (206) response, never a
 * response without a Content-Type. Jetty already leaves alone bodies with a Content-Encoding, statuses other
 * than 2xx, tiny bodies, and clients that did not ask; it adds {@code Vary: Accept-Encoding} and suffixes the
 * ETag of what it compressed (and strips the suffix from If-None-Match, so 304s keep working).
 *
 * <p>gzip is preferred when the client accepts both: Jetty's gzip encoder is set to flush at every write, so a
 * response the application streams reaches the client chunk by chunk, while its brotli encoder holds output
 * until its buffers fill. brotli serves clients that prefer it (by q-value) or accept only it, and the
 * precompressed {@code .br} files of the static mounts. Request bodies are never decompressed: the application
 * gets them as sent, as under Apache.
 */
public final class ResponseCompression {
    private static final Logger log = LoggerFactory.getLogger(ResponseCompression.class);
    /** Gzip input taken per deflate call; each call ends with a sync flush, so this bounds the flush overhead. */
    private static final int GZIP_BUFFER = 32 * 1024;
    /** Brotli quality for on-the-fly compression: Jetty's default (11) is meant for precompressing. */
    private static final int BROTLI_QUALITY = 5;

    private ResponseCompression() {}

    /** {@code next} wrapped in compression when {@code --compress-responses} was given, else {@code next} itself. */
    public static Handler around(ContentOptions options, Handler next) {
        if (!options.compressResponses()) return next;
        CompressionHandler handler = new CompressionHandler(new Gate(next));
        GzipEncoderConfig gzipConfig = new GzipEncoderConfig();
        gzipConfig.setSyncFlush(true);
        gzipConfig.setBufferSize(GZIP_BUFFER);
        GzipCompression gzip = new GzipCompression();
        gzip.setDefaultEncoderConfig(gzipConfig);
        handler.putCompression(gzip);
        try {
            BrotliEncoderConfig brotliConfig = new BrotliEncoderConfig();
            brotliConfig.setCompressionLevel(BROTLI_QUALITY);
            BrotliCompression brotli = new BrotliCompression();
            brotli.setDefaultEncoderConfig(brotliConfig);
            handler.putCompression(brotli);
        } catch (Throwable e) {
            // brotli4j's native library exists for the common platforms only; gzip alone still works.
            log.warn("brotli unavailable, compressing with gzip only error={}", e.toString());
        }
        handler.putConfiguration("/", CompressionConfig.builder()
                .compressPreferredEncodings(List.of("gzip", "br"))
                .decompressExcludeEncoding("gzip")
                .decompressExcludeEncoding("br")
                .build());
        return handler;
    }

    /** Whether a media type (without parameters) is one --compress-responses compresses. */
    static boolean compressible(String mimeType) {
        String type = mimeType.trim().toLowerCase(Locale.ROOT);
        if (type.equals("text/event-stream")) return false; // server-sent events: brotli would hold them back
        return type.startsWith("text/")
                || type.equals("application/json") || type.endsWith("+json")
                || type.equals("application/javascript") || type.equals("application/x-javascript")
                || type.equals("application/xml") || type.endsWith("+xml");
    }

    /**
     * Sits right behind the CompressionHandler. When the handler chose to compress a response, the first write
     * decides by the response itself: a compressible 2xx goes through Jetty's compressing response; any other
     * 2xx bypasses it and goes out as it is. Other statuses are left to Jetty's response, which does not
     * compress them and restores the ETag of a 304.
     */
    static final class Gate extends Handler.Wrapper {
        Gate(Handler next) {
            super(next);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            // CompressionResponse lives in Jetty's internal package: it is the one type that tells that the
            // handler chose to compress, and its wrapped response is the uncompressed path.
            if (response instanceof CompressionResponse compressing) {
                response = new GatedResponse(request, compressing);
            }
            return super.handle(request, response, callback);
        }
    }

    private static final class GatedResponse extends Response.Wrapper {
        private final Response uncompressed;
        private Response target;

        GatedResponse(Request request, CompressionResponse compressing) {
            super(request, compressing);
            this.uncompressed = compressing.getWrapped();
        }

        @Override
        public void write(boolean last, ByteBuffer content, Callback callback) {
            if (target == null) target = mayCompress() ? getWrapped() : uncompressed;
            target.write(last, content, callback);
        }

        private boolean mayCompress() {
            int status = getStatus() == 0 ? HttpStatus.OK_200 : getStatus(); // unset: Jetty sends 200
            if (!HttpStatus.isSuccess(status)) return true; // Jetty's response passes these through untouched
            if (status == HttpStatus.PARTIAL_CONTENT_206) return false;
            HttpFields headers = getHeaders();
            if (headers.contains(HttpHeader.CONTENT_RANGE)) return false;
            String contentType = headers.get(HttpHeader.CONTENT_TYPE);
            return contentType != null && compressible(MimeTypes.getContentTypeWithoutCharset(contentType));
        }
    }
}
