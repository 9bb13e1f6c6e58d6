package io.jwsgi.auth;

import io.jwsgi.site.AccessRule;
import io.jwsgi.site.AccessRule.Decision;
import io.jwsgi.site.Site.Auth;
import io.jwsgi.site.Site.HookScript;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Apache's access, authentication and authorization phases for one request, as mod_wsgi's hooks take part in them
 * (docs/auth-hooks.md): first {@code WSGIAccessScript}'s {@code allow_access} (False: 403), then the {@code Require}
 * rules; when they need a user ({@link Decision#NO_USER}) the client authenticates with {@code AuthType Basic}
 * ({@code check_password}) or {@code Digest} ({@code get_realm_hash}, RFC 7616 MD5 with qop=auth), and the rules are
 * decided again with the user and, when a group rule asks, {@code groups_for_user}. A failure of a hook is a 500 whose
 * traceback is in the error log; a refused user gets 401 and a new challenge, as Apache answers.
 */
public final class AuthGate {
    private static final Logger log = LoggerFactory.getLogger(AuthGate.class);

    /** Request attribute: the {@link Authenticated} user, for REMOTE_USER and AUTH_TYPE in the environ. */
    public static final String AUTHENTICATED = "io.jwsgi.authenticated";

    /** Who authenticated, and how ("Basic" or "Digest"). */
    public record Authenticated(String user, String type) {}

    /** What the gate decided. */
    public sealed interface Verdict {}

    /** Go on: {@code who} is the authenticated user, or null when none was needed. */
    public record Proceed(Authenticated who) implements Verdict {}

    /** Answer {@code status} now, with {@code challenge} as WWW-Authenticate when it is not null. */
    public record Refuse(int status, String challenge) implements Verdict {}

    private static final Proceed ANONYMOUS = new Proceed(null);

    private final Hooks hooks;
    private final DigestNonces nonces;

    public AuthGate(Hooks hooks, DigestNonces nonces) {
        this.hooks = hooks;
        this.nonces = nonces;
    }

    /** Whether deciding for this scope may call Python, so that it must not run on a selector thread. */
    public static boolean callsHooks(AccessRule access, Auth auth) {
        return auth.accessScript() != null || (access != null && AccessRule.needsUser(access));
    }

    /** The host rules alone (no hook, no user), for scopes that {@link #callsHooks} says need nothing more. */
    public static boolean hostGranted(AccessRule access, InetAddress peer) {
        return access == null || (access instanceof AccessRule.All(boolean granted) ? granted : access.grants(peer));
    }

    public Verdict check(Request request, AccessRule access, Auth auth, InetAddress peer) {
        try {
            if (auth.accessScript() != null) {
                Hooks.Answer allowed = hooks.call("allow_access", auth.accessScript(), request,
                        Request.getRemoteAddr(request));
                if (allowed.isFalse()) {
                    log.debug("client denied by WSGIAccessScript status=403 path={} client={} script={}",
                            request.getHttpURI().getPath(), Request.getRemoteAddr(request), auth.accessScript().path());
                    return new Refuse(403, null);
                }
            }
            if (access == null) return ANONYMOUS;
            Decision first = AccessRule.decide(access, new Who(peer, null, null, request, auth));
            if (first == Decision.GRANTED) return ANONYMOUS;
            if (first != Decision.NO_USER) {
                log.debug("request refused by Require status=403 path={} client={}", request.getHttpURI().getPath(),
                        Request.getRemoteAddr(request));
                return new Refuse(403, null);
            }
            return authenticate(request, access, auth, peer);
        } catch (Hooks.HookException | GroupsFailed e) {
            log.error("auth hook failed status=500 path={} error={}", request.getHttpURI().getPath(), e.getMessage());
            return new Refuse(500, null);
        }
    }

    private Verdict authenticate(Request request, AccessRule access, Auth auth, InetAddress peer)
            throws Hooks.HookException {
        String path = request.getHttpURI().getPath();
        String type = auth.type();
        String problem = type == null || type.equals("None") ? "Require needs a user here but AuthType is not set"
                : auth.name() == null ? "AuthType " + type + " needs AuthName (the realm)"
                : auth.userScript() == null ? "AuthType " + type + " needs WSGIAuthUserScript"
                : type.equals("Basic") && !"wsgi".equals(auth.basicProvider()) ? "AuthType Basic needs"
                        + " AuthBasicProvider wsgi (no other provider exists here)"
                : type.equals("Digest") && !"wsgi".equals(auth.digestProvider()) ? "AuthType Digest needs"
                        + " AuthDigestProvider wsgi (no other provider exists here)"
                : null;
        if (problem != null) {
            log.error("authentication not configured status=500 path={} problem={}", path, problem);
            return new Refuse(500, null);
        }
        String realm = auth.name();
        Credentials found = type.equals("Basic") ? basic(request, auth.userScript(), realm)
                : digest(request, auth.userScript(), realm);
        if (found.refusal != null) return found.refusal;
        String user = found.user;
        Decision decision = AccessRule.decide(access, new Who(peer, user, auth.groupScript(), request, auth));
        if (decision == Decision.GRANTED) return new Proceed(new Authenticated(user, type));
        log.debug("authorization of user failed status=401 path={} user={}", path, user);
        return new Refuse(401, challenge(type, realm, false));
    }

    /** A user name, or the answer that refuses the credentials. */
    private record Credentials(String user, Refuse refusal) {}

    private Credentials basic(Request request, HookScript script, String realm) throws Hooks.HookException {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String challenge = challenge("Basic", realm, false);
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return new Credentials(null, new Refuse(401, challenge));
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.ISO_8859_1);
        } catch (IllegalArgumentException e) {
            return new Credentials(null, new Refuse(401, challenge));
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) return new Credentials(null, new Refuse(401, challenge));
        String user = decoded.substring(0, colon);
        Hooks.Answer answer = hooks.call("check_password", script, request, user, decoded.substring(colon + 1));
        String path = request.getHttpURI().getPath();
        if (answer.isTrue()) return new Credentials(user, null);
        if (answer.string() != null) return new Credentials(answer.string(), null);
        log.debug("{} status=401 path={} user={}", answer.isNone() ? "user not found" : "password mismatch", path, user);
        return new Credentials(null, new Refuse(401, challenge));
    }

    private Credentials digest(Request request, HookScript script, String realm) throws Hooks.HookException {
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        String path = request.getHttpURI().getPath();
        Refuse again = new Refuse(401, challenge("Digest", realm, false));
        if (header == null || !header.regionMatches(true, 0, "Digest ", 0, 7)) return new Credentials(null, again);
        Map<String, String> p = parameters(header.substring(7));
        String user = p.get("username");
        String nonce = p.get("nonce");
        String uri = p.get("uri");
        String nc = p.get("nc");
        String cnonce = p.get("cnonce");
        String response = p.get("response");
        String algorithm = p.getOrDefault("algorithm", "MD5");
        if (user == null || nonce == null || uri == null || nc == null || cnonce == null || response == null
                || !"auth".equals(p.get("qop")) || !algorithm.equalsIgnoreCase("MD5")) {
            log.debug("digest credentials incomplete or not qop=auth with MD5 status=401 path={}", path);
            return new Credentials(null, again);
        }
        if (!realm.equals(p.get("realm"))) {
            log.debug("digest realm mismatch status=401 path={} user={}", path, user);
            return new Credentials(null, again);
        }
        if (!uri.equals(request.getHttpURI().getPathQuery())) {
            // mod_auth_digest: the digest must be for this request's URI, or it could be replayed elsewhere.
            log.debug("digest uri does not match the request status=400 path={} user={} uri={}", path, user, uri);
            return new Credentials(null, new Refuse(400, null));
        }
        Hooks.Answer answer = hooks.call("get_realm_hash", script, request, user, realm);
        if (answer.string() == null) {
            log.debug("user not found status=401 path={} user={}", path, user);
            return new Credentials(null, again);
        }
        String ha1 = answer.string().toLowerCase(Locale.ROOT);
        String ha2 = md5(request.getMethod() + ":" + uri);
        String expected = md5(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                response.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII))) {
            log.debug("digest password mismatch status=401 path={} user={}", path, user);
            return new Credentials(null, again);
        }
        return switch (nonces.check(nonce, realm, nc)) {
            case FRESH -> new Credentials(user, null);
            case STALE -> new Credentials(null, new Refuse(401, challenge("Digest", realm, true)));
            case REPLAYED -> {
                log.warn("digest nonce count replayed status=401 path={} user={} nc={}", path, user, nc);
                yield new Credentials(null, again);
            }
            case INVALID -> {
                log.debug("digest nonce not issued here status=401 path={} user={}", path, user);
                yield new Credentials(null, again);
            }
        };
    }

    /** The WWW-Authenticate value: mod_auth_basic's, or mod_auth_digest's with a fresh nonce. */
    private String challenge(String type, String realm, boolean stale) {
        String quoted = "\"" + realm.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        if (type.equals("Basic")) return "Basic realm=" + quoted;
        return "Digest realm=" + quoted + ", nonce=\"" + nonces.issue(realm) + "\", algorithm=MD5, qop=\"auth\""
                + (stale ? ", stale=true" : "");
    }

    /** RFC 7616's auth-param list: {@code key=token} or {@code key="quoted \" string"}, comma-separated. */
    static Map<String, String> parameters(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == ',' || text.charAt(i) == '\t')) i++;
            int eq = text.indexOf('=', i);
            if (eq < 0) break;
            String key = text.substring(i, eq).trim().toLowerCase(Locale.ROOT);
            i = eq + 1;
            while (i < n && text.charAt(i) == ' ') i++;
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '"') {
                i++;
                while (i < n && text.charAt(i) != '"') {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < n) c = text.charAt(i++);
                    value.append(c);
                }
                i++;
            } else {
                while (i < n && text.charAt(i) != ',') value.append(text.charAt(i++));
            }
            out.put(key, value.toString().trim());
        }
        return out;
    }

    static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                    .digest(text.getBytes(StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is part of every JDK", e);
        }
    }

    /** groups_for_user failed while a Require rule was being decided. */
    private static final class GroupsFailed extends RuntimeException {
        GroupsFailed(String message) {
            super(message);
        }
    }

    /** The client as the Require rules see it; the groups are asked of Python once, and only when a rule needs them. */
    private final class Who implements AccessRule.Client {
        private final InetAddress peer;
        private final String user;
        private final HookScript groupScript;
        private final Request request;
        private final Auth auth;
        private List<String> groups;

        Who(InetAddress peer, String user, HookScript groupScript, Request request, Auth auth) {
            this.peer = peer;
            this.user = user;
            this.groupScript = groupScript;
            this.request = request;
            this.auth = auth;
        }

        @Override
        public InetAddress peer() {
            return peer;
        }

        @Override
        public String user() {
            return user;
        }

        @Override
        public List<String> groups() {
            if (groups == null) {
                if (groupScript == null) {
                    throw new GroupsFailed("Require group|wsgi-group needs WSGIAuthGroupScript in this scope");
                }
                try {
                    groups = hooks.call("groups_for_user", groupScript, request, user).names();
                } catch (Hooks.HookException e) {
                    throw new GroupsFailed(e.getMessage());
                }
            }
            return groups;
        }

        @Override
        public boolean groupAuthoritative() {
            return auth.groupAuthoritative() == null || auth.groupAuthoritative();
        }
    }
}
