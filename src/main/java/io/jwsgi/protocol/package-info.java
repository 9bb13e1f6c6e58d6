/**
 * The worker channel wire codec (docs/protocol.md): frame types, the frame header, and the marshal
 * encoding of the environ. Pure bytes: no sockets, no threads, no Jetty. The golden vectors in
 * {@code src/test/resources/protocol/} are decoded by both these classes and the Python runtime's tests.
 */
package io.jwsgi.protocol;
