package io.jwsgi.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is the catalogue of what a configuration file may say: it must name every directive jwsgi
 * implements, accepts and ignores, or refuses as not supported yet, and every WSGIDaemonProcess option. A name is
 * found when it appears as a whole word (case-insensitive), so {@code Alias} is not satisfied by
 * {@code WSGIScriptAlias} alone.
 */
class ConfigurationDocTest {
    static final Path DOC = Path.of("docs/configuration.md");

    /**
     * The directives and sections jwsgi implements (SiteBuilder, ScopeBuilder, ConfigReader). Keep in step with
     * them: a directive added there belongs here and in the document.
     */
    static final List<String> IMPLEMENTED = List.of(
            // read while the file is read (ConfigReader)
            "Define", "UnDefine", "Include", "IncludeOptional", "IfModule", "IfDefine", "IfFile", "IfDirective",
            "IfVersion",
            // sections
            "VirtualHost", "Directory", "DirectoryMatch", "Files", "FilesMatch", "Location", "LocationMatch",
            "RequireAny", "RequireAll", "RequireNone",
            // server and virtual host (SiteBuilder)
            "Listen", "ServerName", "ServerAlias", "DocumentRoot", "Alias", "AliasMatch", "Redirect",
            "RedirectMatch", "RedirectPermanent", "RedirectTemp", "WSGIScriptAlias", "WSGIScriptAliasMatch",
            "WSGIDaemonProcess", "WSGIImportScript", "Timeout", "KeepAlive", "KeepAliveTimeout", "LimitRequestBody",
            "LimitRequestLine", "LimitRequestFields", "LimitRequestFieldSize", "LogLevel", "ErrorLog", "LogFormat",
            "CustomLog", "TransferLog", "WSGIPythonHome", "WSGIPythonPath", "WSGIPythonHashSeed",
            "WSGIDontWriteBytecode", "WSGIPythonOptimize", "WSGIPythonWarnings", "WSGIPythonEggs",
            "WSGIEnableSendfile", "WSGITrustedProxies", "WSGITrustedProxyHeaders", "WSGIDestroyInterpreter",
            "WSGIRestrictStdin", "WSGIRestrictStdout", "WSGIRestrictSignal", "WSGIIgnoreActivity",
            "WSGISocketPrefix", "WSGISocketRotation", "WSGIRestrictEmbedded", "WSGIAcceptMutex", "SSLEngine",
            "SSLCertificateFile", "SSLCertificateKeyFile", "SSLCertificateChainFile", "SSLCACertificateFile",
            "SSLVerifyClient", "SSLVerifyDepth", "SSLOptions", "AddType", "User", "Group", "ListenBacklog",
            "AddOutputFilterByType",
            "SSLProtocol", "SSLCipherSuite", "SSLHonorCipherOrder",
            // every level (ScopeBuilder)
            "WSGIProcessGroup", "WSGIApplicationGroup", "WSGICallableObject", "WSGIPassAuthorization",
            "WSGIChunkedRequest", "Require", "SetEnv", "UnsetEnv", "PassEnv", "Options", "SetHandler", "AddHandler",
            "RemoveHandler", "WSGIMapHEADToGET", "WSGIRestrictProcess", "SetEnvIf", "SetEnvIfNoCase", "Header",
            "Order", "Allow", "Deny", "DirectoryIndex", "AddDefaultCharset", "WSGIScriptReloading", "Satisfy",
            "ErrorDocument", "WSGIErrorOverride",
            // sections only (ScopeBuilder, AuthDirectives)
            "WSGIAccessScript", "WSGIAuthUserScript", "WSGIAuthGroupScript", "WSGIGroupAuthoritative", "AuthType",
            "AuthName", "AuthBasicProvider", "AuthDigestProvider");

    static String doc;

    @BeforeAll
    static void read() throws IOException {
        doc = Files.readString(DOC).toLowerCase(Locale.ROOT);
    }

    private static List<String> missing(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        for (String name : names) {
            String n = name.toLowerCase(Locale.ROOT);
            if (!Pattern.compile("(?<![a-z0-9_-])" + Pattern.quote(n) + "(?![a-z0-9_-])").matcher(doc).find()) {
                out.add(name);
            }
        }
        return out;
    }

    @Test
    void everyImplementedDirectiveIsDocumented() {
        assertThat(missing(IMPLEMENTED)).as("implemented directives missing from " + DOC).isEmpty();
    }

    @Test
    void everyIgnoredDirectiveIsDocumented() {
        assertThat(missing(SiteBuilder.IGNORED.keySet())).as("ignored directives missing from " + DOC).isEmpty();
    }

    @Test
    void everyUnsupportedDirectiveIsDocumented() {
        assertThat(missing(ScopeBuilder.UNSUPPORTED.keySet())).as("unsupported directives missing from " + DOC)
                .isEmpty();
    }

    @Test
    void everyDaemonProcessOptionIsDocumented() {
        assertThat(missing(DaemonOptions.names())).as("WSGIDaemonProcess options missing from " + DOC).isEmpty();
        assertThat(missing(DaemonOptions.NO_EFFECT.keySet())).as("no-effect options missing from " + DOC).isEmpty();
        assertThat(missing(DaemonOptions.UNSUPPORTED.keySet())).as("unsupported options missing from " + DOC)
                .isEmpty();
        assertThat(missing(DaemonOptions.RENAMED.values())).as("renamed options' settings missing from " + DOC)
                .isEmpty();
    }

    @Test
    void everyModuleIfModuleKnowsIsDocumented() {
        assertThat(missing(ConfigReader.MODULES)).as("<IfModule> modules missing from " + DOC).isEmpty();
    }

    /** The implemented list above is itself kept honest: each name is one the builders really handle. */
    @Test
    void theImplementedListNamesOnlyDirectivesTheBuildersKnow() {
        List<String> unknown = new ArrayList<>();
        for (String name : IMPLEMENTED) {
            String n = name.toLowerCase(Locale.ROOT);
            if (SiteBuilder.IGNORED.containsKey(n) || ScopeBuilder.UNSUPPORTED.containsKey(n)) unknown.add(name);
        }
        assertThat(unknown).as("listed as implemented but ignored or unsupported").isEmpty();
    }
}
