package io.jwsgi.config;

import static io.jwsgi.config.StartServerSettings.REGISTERED_METHODS;
import static io.jwsgi.config.StartServerSettings.REGISTER_METHOD;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code --registered-methods} (Apache's {@code HttpProtocolOptions RegisteredMethods}): the methods a request may
 * have; any other gets 501 before the application. Off (empty) by default, as Apache's LenientMethods, because
 * WebDAV and CalDAV applications use methods of their own (docs/http-parsing.md).
 *
 * @param methods the methods served, case-sensitive; empty: every method is served
 */
public record RegisteredMethods(Set<String> methods) {

    /**
     * The methods Apache httpd registers itself (its method registry starts with these: {@code M_GET} …
     * {@code M_MERGE}; HEAD counts as GET there). RFC 9110's methods, PATCH (RFC 5789), WebDAV (RFC 4918) and
     * DeltaV (RFC 3253).
     */
    public static final List<String> APACHE = List.of(
            "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
            "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
            "VERSION-CONTROL", "CHECKOUT", "UNCHECKOUT", "CHECKIN", "UPDATE", "LABEL", "REPORT", "MKWORKSPACE",
            "MKACTIVITY", "BASELINE-CONTROL", "MERGE");

    public RegisteredMethods {
        methods = Set.copyOf(methods);
    }

    public static RegisteredMethods any() {
        return new RegisteredMethods(Set.of());
    }

    /** Whether methods outside the set are refused. */
    public boolean enabled() {
        return !methods.isEmpty();
    }

    /** Whether a request with this method is served. */
    public boolean allows(String method) {
        return methods.isEmpty() || methods.contains(method);
    }

    static RegisteredMethods resolve(Arguments args) {
        List<String> extra = args.values(REGISTER_METHOD);
        if (!args.isGiven(REGISTERED_METHODS)) {
            if (!extra.isEmpty()) {
                throw new ConfigException(REGISTER_METHOD.flag() + ": has no effect without "
                        + REGISTERED_METHODS.flag() + " (without it every method is served)");
            }
            return any();
        }
        Set<String> methods = new LinkedHashSet<>(APACHE);
        methods.addAll(extra);
        return new RegisteredMethods(methods);
    }
}
