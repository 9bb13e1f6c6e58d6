package io.jwsgi.site;

import io.jwsgi.site.Site.Auth;
import io.jwsgi.site.Site.HookScript;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A section's authentication directives (docs/auth-hooks.md): {@code AuthType}, {@code AuthName},
 * {@code AuthBasicProvider}, {@code AuthDigestProvider}, and mod_wsgi's {@code WSGIAccessScript},
 * {@code WSGIAuthUserScript}, {@code WSGIAuthGroupScript} and {@code WSGIGroupAuthoritative}, read into one
 * {@link Auth}. Only the {@code wsgi} providers exist: a user file or database provider is refused by name.
 */
final class AuthDirectives {
    private HookScript accessScript;
    private HookScript userScript;
    private HookScript groupScript;
    private Boolean groupAuthoritative;
    private String type;
    private String name;
    private String basicProvider;
    private String digestProvider;

    Auth build() {
        Auth a = new Auth(accessScript, userScript, groupScript, groupAuthoritative, type, name, basicProvider,
                digestProvider);
        return a.equals(Auth.NONE) ? Auth.NONE : a;
    }

    void directive(Directive d, List<ConfigProblem> errors) {
        switch (d.name().toLowerCase(Locale.ROOT)) {
            case "wsgiaccessscript" -> accessScript = script(d, errors);
            case "wsgiauthuserscript" -> userScript = script(d, errors);
            case "wsgiauthgroupscript" -> groupScript = script(d, errors);
            case "wsgigroupauthoritative" -> groupAuthoritative = ScopeBuilder.onOff(d, errors);
            case "authtype" -> {
                String v = one(d, errors);
                if (v == null) return;
                switch (v.toLowerCase(Locale.ROOT)) {
                    case "basic" -> type = "Basic";
                    case "digest" -> type = "Digest";
                    case "none" -> type = "None";
                    default -> errors.add(new ConfigProblem(d.source(), "AuthType: '" + v
                            + "' is not supported (Basic, Digest or None)"));
                }
            }
            case "authname" -> name = one(d, errors);
            case "authbasicprovider", "authdigestprovider" -> {
                if (d.args().isEmpty()) {
                    errors.add(new ConfigProblem(d.source(), d.name() + " names at least one provider (wsgi)"));
                    return;
                }
                for (String p : d.args()) {
                    if (!p.equalsIgnoreCase("wsgi")) {
                        errors.add(new ConfigProblem(d.source(), d.name() + ": provider '" + p + "' is not"
                                + " supported; only mod_wsgi's 'wsgi' provider exists here (WSGIAuthUserScript)"));
                        return;
                    }
                }
                if (d.is("AuthBasicProvider")) basicProvider = "wsgi";
                else digestProvider = "wsgi";
            }
            default -> throw new IllegalArgumentException(d.name());
        }
    }

    /** {@code WSGI...Script PATH [application-group=NAME]}. */
    private static HookScript script(Directive d, List<ConfigProblem> errors) {
        List<String> a = d.args();
        if (a.isEmpty()) {
            errors.add(new ConfigProblem(d.source(), d.name() + " takes a script path and optionally"
                    + " application-group=NAME"));
            return null;
        }
        Path path = Path.of(a.getFirst());
        if (!path.isAbsolute()) {
            errors.add(new ConfigProblem(d.source(), d.name() + ": '" + a.getFirst() + "' is not an absolute path"));
            return null;
        }
        String group = "";
        for (String option : a.subList(1, a.size())) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? "" : option.substring(eq + 1);
            if (key.equals("application-group") && !value.isEmpty()) {
                if (value.contains("%{") && !value.equals("%{GLOBAL}")) {
                    errors.add(new ConfigProblem(d.source(), d.name() + ": application-group=" + value + ": only"
                            + " %{GLOBAL} or a literal name is offered for a hook script"));
                    return null;
                }
                group = value.equals("%{GLOBAL}") ? "" : value;
            } else if (key.equals("process-group")) {
                errors.add(new ConfigProblem(d.source(), d.name() + ": process-group= is not an option of this"
                        + " directive: as mod_wsgi documents, the script cannot be delegated to a daemon process"
                        + " group (jwsgi runs it in its hook process group, docs/auth-hooks.md)"));
                return null;
            } else {
                errors.add(new ConfigProblem(d.source(), d.name() + ": unknown option '" + option
                        + "' (application-group=NAME is the only one)"));
                return null;
            }
        }
        return new HookScript(path, group, d.source());
    }

    private static String one(Directive d, List<ConfigProblem> errors) {
        if (d.args().size() == 1) return d.args().getFirst();
        errors.add(new ConfigProblem(d.source(), d.name() + " takes one argument, got " + d.args().size()));
        return null;
    }
}
