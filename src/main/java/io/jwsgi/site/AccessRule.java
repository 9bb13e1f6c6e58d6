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
 *
 * <p>The user-based providers ({@code Require valid-user|user|group|wsgi-group}, {@link User}) need an authenticated
 * user: {@link #decide} says {@link Decision#NO_USER} while there is none, which is Apache's cue to authenticate
 * (a 401 challenge) and decide again with the user.
 */
public sealed interface AccessRule {
    /** Whether a client at {@code peer} may have the resource (a user-based rule never grants on an address alone). */
    boolean grants(InetAddress peer);

    /** Apache's authz results: granted, denied, neutral (no opinion), denied until a user is authenticated. */
    enum Decision { GRANTED, DENIED, NEUTRAL, NO_USER }

    /** Who asks: the client's address and, once authenticated, the user and (asked lazily) the user's groups. */
    interface Client {
        InetAddress peer();

        /** The authenticated user, or null. */
        String user();

        /** The user's groups (WSGIAuthGroupScript's groups_for_user); only asked when a group rule needs them. */
        List<String> groups();

        /** WSGIGroupAuthoritative: whether a failed group check denies (On) or is neutral (Off). */
        boolean groupAuthoritative();
    }

    /** Whether {@code rule} needs to know the user to decide for some client (so authentication may happen). */
    static boolean needsUser(AccessRule rule) {
        return switch (rule) {
            case User u -> true;
            case Not(AccessRule r) -> needsUser(r);
            case Any(List<AccessRule> rules) -> rules.stream().anyMatch(AccessRule::needsUser);
            case Every(List<AccessRule> rules) -> rules.stream().anyMatch(AccessRule::needsUser);
            case None(List<AccessRule> rules) -> rules.stream().anyMatch(AccessRule::needsUser);
            default -> false;
        };
    }

    /**
     * The rule's decision for {@code client}, as mod_authz_core combines them: in {@code <RequireAny>} one grant is
     * enough and a missing user outranks a denial; in {@code <RequireAll>} one denial is final, then a missing user;
     * neutral results count for nothing.
     */
    static Decision decide(AccessRule rule, Client client) {
        return switch (rule) {
            case User u -> u.decide(client);
            case Not(AccessRule r) -> switch (decide(r, client)) {
                case GRANTED -> Decision.DENIED;
                case DENIED -> Decision.GRANTED;
                case NEUTRAL -> Decision.NEUTRAL;
                case NO_USER -> Decision.NO_USER;
            };
            case Any(List<AccessRule> rules) -> {
                boolean noUser = false;
                boolean denied = false;
                for (AccessRule r : rules) {
                    Decision d = decide(r, client);
                    if (d == Decision.GRANTED) yield d;
                    noUser |= d == Decision.NO_USER;
                    denied |= d == Decision.DENIED;
                }
                yield noUser ? Decision.NO_USER : denied || rules.isEmpty() ? Decision.DENIED : Decision.NEUTRAL;
            }
            case Every(List<AccessRule> rules) -> {
                boolean noUser = false;
                boolean granted = false;
                for (AccessRule r : rules) {
                    Decision d = decide(r, client);
                    if (d == Decision.DENIED) yield d;
                    noUser |= d == Decision.NO_USER;
                    granted |= d == Decision.GRANTED;
                }
                yield noUser ? Decision.NO_USER : granted || rules.isEmpty() ? Decision.GRANTED : Decision.NEUTRAL;
            }
            case None(List<AccessRule> rules) -> {
                boolean noUser = false;
                for (AccessRule r : rules) {
                    Decision d = decide(r, client);
                    if (d == Decision.GRANTED) yield Decision.DENIED;
                    noUser |= d == Decision.NO_USER;
                }
                yield noUser ? Decision.NO_USER : Decision.GRANTED;
            }
            default -> rule.grants(client.peer()) ? Decision.GRANTED : Decision.DENIED;
        };
    }

    /** Which user-based provider a {@link User} rule is. */
    enum UserProvider {
        /** {@code Require valid-user} */
        VALID_USER,
        /** {@code Require user NAME...} */
        USER,
        /** {@code Require group NAME...}: answered by WSGIAuthGroupScript, as with Apache 2.2's mod_wsgi */
        GROUP,
        /** {@code Require wsgi-group NAME...}: mod_wsgi's authz provider */
        WSGI_GROUP
    }

    /** {@code Require valid-user}, {@code Require user ...}, {@code Require group ...}, {@code Require wsgi-group ...}. */
    record User(UserProvider provider, List<String> names) implements AccessRule {
        public User {
            names = List.copyOf(names);
        }

        public boolean grants(InetAddress peer) {
            return false;
        }

        Decision decide(Client client) {
            String user = client.user();
            if (user == null) return Decision.NO_USER;
            return switch (provider) {
                case VALID_USER -> Decision.GRANTED;
                case USER -> names.contains(user) ? Decision.GRANTED : Decision.DENIED;
                case GROUP, WSGI_GROUP -> {
                    for (String g : client.groups()) if (names.contains(g)) yield Decision.GRANTED;
                    yield client.groupAuthoritative() ? Decision.DENIED : Decision.NEUTRAL;
                }
            };
        }
    }

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
