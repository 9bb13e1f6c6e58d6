package io.jwsgi.protocol;

/** The peer broke docs/protocol.md: an unknown frame type, a frame over its limit, a malformed payload. */
public final class ProtocolException extends RuntimeException {
    public ProtocolException(String message) {
        super(message);
    }
}
