package io.jwsgi.frontend;

import io.jwsgi.daemon.DispatchException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Every way a request can fail outside the application's own response, and its status. This is the only
 * place where a failure becomes a status (docs/design.md "errors map to statuses in one place").
 */
public sealed interface Failure {
    /**
     * No worker thread could take the request: queue full, queue-timeout, stopping → 503; the application failed to
     * load and no process is ready → 500.
     */
    record Unavailable(DispatchException.Kind kind) implements Failure {}
    /** The worker's channel closed (the process died) before the response started → 502. */
    record WorkerLost(String detail) implements Failure {}
    /** The application raised before starting its response; the traceback is in the error log → 500. */
    record ApplicationError() implements Failure {}
    /** start_response was called wrongly or with an invalid header → 500. */
    record InvalidResponse() implements Failure {}
    /** The response headers exceed header-buffer-size → 500. */
    record HeaderOverflow(long size, int limit) implements Failure {}
    /**
     * The worker did not answer in time: request-timeout or socket-timeout gave up on the request, or the
     * RequestTimeout that interrupt-timeout raised in it ended it (mod_wsgi 6 answers 504 too); or a proxied
     * backend sent nothing for --proxy-timeout → 504.
     */
    record GatewayTimeout() implements Failure {}
    /** A proxied backend (--proxy-mount-point, --proxy-virtual-host) refused, reset or garbled the exchange → 502. */
    record ProxyBackendFailed(String target) implements Failure {}
    /** The declared request body exceeds limit-request-body → 413. */
    record BodyTooLarge(long length, long limit) implements Failure {}

    default int status() {
        return switch (this) {
            // mod_wsgi answers 500 for an application that failed to load; the others are "busy, retry".
            case Unavailable u -> u.kind() == DispatchException.Kind.APPLICATION_NOT_LOADED ? 500 : 503;
            case WorkerLost w -> 502;
            case ApplicationError a -> 500;
            case InvalidResponse i -> 500;
            case HeaderOverflow h -> 500;
            case GatewayTimeout g -> 504;
            case ProxyBackendFailed p -> 502;
            case BodyTooLarge b -> 413;
        };
    }

    default String title() {
        return switch (status()) {
            case 413 -> "Request Entity Too Large";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }

    /** Sends the failure as a small HTML page (the response must not be committed yet). */
    static void respond(Failure failure, Response response, Callback callback) {
        int status = failure.status();
        String title = status + " " + failure.title();
        String page = "<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title
                + "</h1></body></html>\n";
        response.getRequest().setAttribute(ErrorOverride.FRONT_END_ERROR, Boolean.TRUE); // an ErrorDocument answers it
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        if (status == 503) response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        response.write(true, ByteBuffer.wrap(page.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
