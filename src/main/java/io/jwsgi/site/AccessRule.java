package io.jwsgi.site;

import io.jwsgi.config.IpRange;
import java.net.InetAddress;
import java.util.List;

/**
 * Apache's host-based authorization ({@code mod_authz_core} and {@code mod_authz_host}): {@code Require all
 * granted|denied}, {@code Require ip ...}, {@code Require local}, each optionally negated with {@code not}, and the
 * containers {@code <RequireAny>}, {@code <RequireAll>}, {@code <RequireNone>}. Several {@code Require} lines directly
 * in a section are an implicit {@code <RequireAny>}, as in Apache. No name resolution happens: {@code Require host}
 * is not offered (it needs a double reverse lookup per request).
 */
public sealed interface AccessRule {
    /** Whether a client at {@code peer} may have the resource. */
    boolean grants(InetAddress peer);

    AccessRule GRANTED = new All(true);
    AccessRule DENIED = new All(false);

    /** {@code Require all granted} or {@code Require all denied}. */
    record All(boolean granted) implements AccessRule {
        public boolean grants(InetAddress peer) {
            return granted;
        }
    }

    /** {@code Require ip A B/N ...}. */
    record Ip(List<IpRange> ranges) implements AccessRule {
        public boolean grants(InetAddress peer) {
            if (peer == null) return false;
            for (IpRange range : ranges) if (range.contains(peer)) return true;
            return false;
        }
    }

    /** {@code Require local}: a loopback peer (or the server's own address, which Apache also counts). */
    record Local() implements AccessRule {
        public boolean grants(InetAddress peer) {
            return peer != null && (peer.isLoopbackAddress() || peer.isAnyLocalAddress());
        }
    }

    /** {@code Require not ...}: only meaningful inside RequireAll / RequireNone, as Apache insists. */
    record Not(AccessRule rule) implements AccessRule {
        public boolean grants(InetAddress peer) {
            return !rule.grants(peer);
        }
    }

    /** {@code <RequireAny>}: one grant is enough. */
    record Any(List<AccessRule> rules) implements AccessRule {
        public boolean grants(InetAddress peer) {
            for (AccessRule rule : rules) if (rule.grants(peer)) return true;
            return false;
        }
    }

    /** {@code <RequireAll>}: every rule must grant. */
    record Every(List<AccessRule> rules) implements AccessRule {
        public boolean grants(InetAddress peer) {
            for (AccessRule rule : rules) if (!rule.grants(peer)) return false;
            return true;
        }
    }

    /** {@code <RequireNone>}: no rule may grant. */
    record None(List<AccessRule> rules) implements AccessRule {
        public boolean grants(InetAddress peer) {
            for (AccessRule rule : rules) if (rule.grants(peer)) return false;
            return true;
        }
    }

    /**
     * Apache 2.2's {@code Order}, {@code Allow from} and {@code Deny from} (mod_access_compat, which Debian's Apache
     * loads): with {@code Order allow,deny} a client must match an Allow and no Deny; with {@code Order deny,allow}
     * (Apache's default order) it is let in unless it matches a Deny and no Allow.
     */
    record Compat(boolean denyFirst, List<AccessRule> allow, List<AccessRule> deny) implements AccessRule {
        public boolean grants(InetAddress peer) {
            boolean allowed = false;
            for (AccessRule r : allow) allowed |= r.grants(peer);
            boolean denied = false;
            for (AccessRule r : deny) denied |= r.grants(peer);
            return denyFirst ? !denied || allowed : allowed && !denied;
        }
    }
}
