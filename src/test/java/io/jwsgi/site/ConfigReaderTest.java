package io.jwsgi.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {
    @TempDir
    Path root;

    private Path write(String name, String text) throws IOException {
        Path file = root.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private ConfigReader.Result read(String text) throws IOException {
        return read(text, Map.of(), Set.of());
    }

    private ConfigReader.Result read(String text, Map<String, String> environment, Set<String> defines)
            throws IOException {
        return ConfigReader.read(write("site.conf", text), environment, defines, root, ConfigReader.MODULES);
    }

    /** The directives of a result that must have no errors. */
    private List<Directive> ok(ConfigReader.Result result) {
        assertThat(result.errors()).isEmpty();
        return result.directives();
    }

    private static List<String> names(List<Directive> directives) {
        return directives.stream().map(Directive::name).toList();
    }

    private static List<String> messages(ConfigReader.Result result) {
        return result.errors().stream().map(ConfigProblem::toString).toList();
    }

    @Test
    void splitsArgumentsAndHonoursBothKindsOfQuote() throws Exception {
        List<Directive> d = ok(read("""
                WSGIScriptAlias  /app   "/srv/my app/wsgi.py"
                Header set X-Says 'hello world' "a \\"quoted\\" word"
                AliasMatch ^/static/(.*)\\.css$ C:\\dir\\$1
                """));
        assertThat(d).hasSize(3);
        assertThat(d.get(0).name()).isEqualTo("WSGIScriptAlias");
        assertThat(d.get(0).args()).containsExactly("/app", "/srv/my app/wsgi.py");
        assertThat(d.get(1).args()).containsExactly("set", "X-Says", "hello world", "a \"quoted\" word");
        assertThat(d.get(2).args()).containsExactly("^/static/(.*)\\.css$", "C:\\dir\\$1");
        assertThat(d.get(0).isSection()).isFalse();
        assertThat(d.get(0).children()).isEmpty();
    }

    @Test
    void anUnterminatedQuoteIsAnError() throws Exception {
        ConfigReader.Result r = read("ServerName ok\nAlias /a \"/srv/a\n");
        assertThat(messages(r)).singleElement().asString().contains("site.conf:2").contains("unterminated");
        assertThat(names(r.directives())).containsExactly("ServerName");
    }

    @Test
    void joinsContinuationLinesAndSkipsCommentsAndBlankLines() throws Exception {
        List<Directive> d = ok(read("""
                # a comment
                   # an indented comment

                WSGIDaemonProcess app \\
                    processes=2 \\
                    threads=4
                Listen 80 # not a comment: only at the start of a line
                """));
        assertThat(d).hasSize(2);
        assertThat(d.get(0).args()).containsExactly("app", "processes=2", "threads=4");
        assertThat(d.get(0).source().line()).isEqualTo(4);
        assertThat(d.get(1).args()).containsExactly("80", "#", "not", "a", "comment:", "only", "at", "the", "start",
                "of", "a", "line");
        assertThat(d.get(1).source().line()).isEqualTo(7);
    }

    @Test
    void aDoubledBackslashAtTheEndIsNotAContinuation() throws Exception {
        List<Directive> d = ok(read("SetEnv A x\\\\\nSetEnv B y\n"));
        assertThat(d).extracting(Directive::name).containsExactly("SetEnv", "SetEnv");
        assertThat(d.get(0).args()).containsExactly("A", "x\\\\");
    }

    @Test
    void readsNestedSectionsWithTheirArguments() throws Exception {
        List<Directive> d = ok(read("""
                <VirtualHost *:80>
                    ServerName example.org
                    <Directory "/srv/my app">
                        Require all granted
                    </Directory>
                    <LocationMatch "^/a(b)">
                    </locationmatch>
                </VirtualHost>
                """));
        assertThat(d).singleElement().satisfies(vh -> {
            assertThat(vh.isSection()).isTrue();
            assertThat(vh.is("virtualhost")).isTrue();
            assertThat(vh.args()).containsExactly("*:80");
            assertThat(names(vh.children())).containsExactly("ServerName", "Directory", "LocationMatch");
            Directive dir = vh.children().get(1);
            assertThat(dir.args()).containsExactly("/srv/my app");
            assertThat(dir.children()).singleElement().satisfies(req -> {
                assertThat(req.args()).containsExactly("all", "granted");
                assertThat(req.source().line()).isEqualTo(4);
            });
            Directive match = vh.children().get(2);
            assertThat(match.isSection()).isTrue();
            assertThat(match.children()).isEmpty();
            assertThat(match.args()).containsExactly("^/a(b)");
        });
    }

    @Test
    void aPlainDirectiveIsNotEqualToAnEmptySection() {
        Source s = new Source(Path.of("x.conf"), 1);
        Directive plain = new Directive("Files", List.of(), s, null);
        assertThat(plain.isSection()).isFalse();
        assertThat(new Directive(plain.name(), plain.args(), plain.source(), plain.children())).isEqualTo(plain);
        assertThat(Directive.section("Files", List.of(), s, List.of())).isNotEqualTo(plain);
        assertThat(s).hasToString("x.conf:1");
        assertThat(new ConfigProblem(s, "bad")).hasToString("x.conf:1: bad");
        assertThat(new ConfigProblem(null, "bad")).hasToString("bad");
    }

    @Test
    void aMismatchedClosingTagIsAnErrorThatNamesTheOpening() throws Exception {
        ConfigReader.Result r = read("""
                <VirtualHost *:80>
                  <Directory /srv>
                  </Location>
                </VirtualHost>
                """);
        assertThat(messages(r)).containsExactly(
                root.resolve("site.conf") + ":3: </Location> closes <Directory> opened at " + root.resolve("site.conf") + ":2");
        assertThat(r.directives()).singleElement().satisfies(vh -> assertThat(names(vh.children())).containsExactly("Directory"));
    }

    @Test
    void aForgottenInnerCloseIsOneErrorWhenTheOuterOneFollows() throws Exception {
        ConfigReader.Result r = read("<VirtualHost *:80>\n<Directory /srv>\n</VirtualHost>\nListen 80\n");
        assertThat(messages(r)).singleElement().asString().contains(":3: </VirtualHost> closes <Directory> opened at ");
        assertThat(names(r.directives())).containsExactly("VirtualHost", "Listen");
    }

    @Test
    void anUnclosedSectionAndAStrayCloseAreErrors() throws Exception {
        ConfigReader.Result r = read("</Directory>\nListen 80\n<VirtualHost *:80>\nServerName a\n");
        assertThat(messages(r)).hasSize(2);
        assertThat(messages(r).get(0)).contains("site.conf:1:").contains("</Directory> closes no section");
        assertThat(messages(r).get(1)).contains("site.conf:3:").contains("<VirtualHost> is not closed");
    }

    @Test
    void aSectionNeedsItsClosingAngleBracket() throws Exception {
        ConfigReader.Result r = read("<Directory /srv\n</Directory>\n");
        assertThat(messages(r)).singleElement().asString().contains("site.conf:1:").contains("closing '>'");
    }

    @Test
    void substitutesDefinesAndEnvironmentAndDropsDefineLines() throws Exception {
        ConfigReader.Result r = read("""
                Define APP /srv/app
                Define FLAG
                WSGIScriptAlias / ${APP}/wsgi.py
                ServerName ${HOST}
                Define HOST defined-wins
                ServerAlias ${HOST}${FLAG}
                UnDefine APP
                <IfDefine APP>
                    Listen 1
                </IfDefine>
                <IfDefine FLAG>
                    Listen 2
                </IfDefine>
                """, Map.of("HOST", "from-env", "APP", "env-app"), Set.of("CMDLINE"));
        List<Directive> d = ok(r);
        assertThat(names(d)).containsExactly("WSGIScriptAlias", "ServerName", "ServerAlias", "Listen");
        assertThat(d.get(0).args()).containsExactly("/", "/srv/app/wsgi.py");
        assertThat(d.get(1).args()).containsExactly("from-env");
        assertThat(d.get(2).args()).containsExactly("defined-wins");
        assertThat(d.get(3).args()).containsExactly("2");
        assertThat(r.defines()).containsExactlyInAnyOrder("CMDLINE", "FLAG", "HOST");
    }

    @Test
    void anUndefinedVariableIsAnErrorAtItsLineAndTheTextStays() throws Exception {
        ConfigReader.Result r = read("Listen 80\nServerName ${NOPE}.example\n");
        assertThat(messages(r)).containsExactly(root.resolve("site.conf")
                + ":2: variable NOPE is not defined (Define it, or set it in the environment)");
        assertThat(r.directives().get(1).args()).containsExactly("${NOPE}.example");
    }

    @Test
    void ifModuleAcceptsEveryNameFormAndNegation() throws Exception {
        List<Directive> d = ok(read("""
                <IfModule mod_wsgi.c>
                    Listen 1
                </IfModule>
                <IfModule WSGI_Module>
                    Listen 2
                </IfModule>
                <IfModule mod_alias>
                    Listen 3
                </IfModule>
                <IfModule !mod_rewrite.c>
                    Listen 4
                </IfModule>
                <IfModule mod_rewrite.c>
                    Listen 5
                    <VirtualHost *:80>
                    </VirtualHost>
                </IfModule>
                <IfModule !ssl_module>
                    Listen 6
                </IfModule>
                <IfModule wsgi>
                    Listen 7
                </IfModule>
                """));
        assertThat(d).extracting(x -> x.args().getFirst()).containsExactly("1", "2", "3", "4");
    }

    @Test
    void skippedContentsMustStillBeWellFormedButAreNotSubstituted() throws Exception {
        ConfigReader.Result r = read("""
                <IfModule mod_nothing.c>
                    ServerName ${UNDEFINED}
                    Include does/not/exist.conf
                    <Directory /x>
                    </Location>
                </IfModule>
                """);
        assertThat(messages(r)).singleElement().asString().contains(":5: </Location> closes <Directory>");
        assertThat(r.directives()).isEmpty();
    }

    @Test
    void nestedConditionalsSpliceIntoTheEnclosingSection() throws Exception {
        List<Directive> d = ok(read("""
                <VirtualHost *:80>
                    <IfModule mod_wsgi.c>
                        <IfDefine !NOT_SET>
                            WSGIProcessGroup app
                        </IfDefine>
                        <IfDefine NOT_SET>
                            WSGIProcessGroup other
                        </IfDefine>
                    </IfModule>
                    ServerName a
                </VirtualHost>
                """));
        assertThat(d).singleElement().satisfies(vh -> {
            assertThat(names(vh.children())).containsExactly("WSGIProcessGroup", "ServerName");
            assertThat(vh.children().getFirst().args()).containsExactly("app");
        });
    }

    @Test
    void ifFileResolvesRelativePathsAgainstTheServerRoot() throws Exception {
        write("certs/site.pem", "x");
        List<Directive> d = ok(read("""
                <IfFile certs/site.pem>
                    Listen 1
                </IfFile>
                <IfFile certs/missing.pem>
                    Listen 2
                </IfFile>
                <IfFile !certs/missing.pem>
                    Listen 3
                </IfFile>
                <IfFile "%s">
                    Listen 4
                </IfFile>
                """.formatted(root.resolve("certs/site.pem"))));
        assertThat(d).extracting(x -> x.args().getFirst()).containsExactly("1", "3", "4");
    }

    @Test
    void ifDirectiveKnowsWsgiAndCoreDirectives() throws Exception {
        List<Directive> d = ok(read("""
                <IfDirective WSGIDaemonProcess>
                    Listen 1
                </IfDirective>
                <IfDirective listen>
                    Listen 2
                </IfDirective>
                <IfDirective RewriteEngine>
                    Listen 3
                </IfDirective>
                <IfDirective !RewriteEngine>
                    Listen 4
                </IfDirective>
                """));
        assertThat(d).extracting(x -> x.args().getFirst()).containsExactly("1", "2", "4");
    }

    @Test
    void ifVersionComparesWith2_4_57() throws Exception {
        String[] yes = {"2.4.57", "= 2.4.57", "== 2.4.57", ">= 2.4", "> 2.4.56", "< 2.5", "<= 2.4.57", "!= 2.4",
                "! 2.2", "~ ^2\\.4", "/^2\\.4\\./", "!~ ^2\\.2", "> 2"};
        String[] no = {"2.4", "= 2.2", "> 2.4.57", "< 2.4.57", ">= 3", "!= 2.4.57", "~ ^2\\.2", "/^2\\.2/", "<= 2.4.56"};
        StringBuilder text = new StringBuilder();
        for (String c : yes) text.append("<IfVersion ").append(c).append(">\nListen yes\n</IfVersion>\n");
        for (String c : no) text.append("<IfVersion ").append(c).append(">\nListen no\n</IfVersion>\n");
        List<Directive> d = ok(read(text.toString()));
        assertThat(d).hasSize(yes.length).allSatisfy(x -> assertThat(x.args()).containsExactly("yes"));
    }

    @Test
    void aMalformedConditionIsAnErrorAndCountsAsFalse() throws Exception {
        ConfigReader.Result r = read("""
                <IfVersion >> 2.4>
                    Listen 1
                </IfVersion>
                <IfModule a b>
                    Listen 2
                </IfModule>
                <IfVersion two>
                    Listen 3
                </IfVersion>
                """);
        assertThat(messages(r)).hasSize(3);
        assertThat(messages(r).get(0)).contains(":1:").contains("unknown operator");
        assertThat(messages(r).get(1)).contains(":4:").contains("takes one argument");
        assertThat(messages(r).get(2)).contains(":7:").contains("expects a version");
        assertThat(r.directives()).isEmpty();
    }

    @Test
    void includeReadsWildcardMatchesInSortedOrderRelativeToTheServerRoot() throws Exception {
        write("conf.d/20-b.conf", "Listen 20\n");
        write("conf.d/10-a.conf", "\n\nListen 10\n");
        write("conf.d/30-c.txt", "Listen 30\n");
        write("conf.d/.hidden.conf", "Listen 99\n");
        ConfigReader.Result r = read("ServerName a\nInclude conf.d/*.conf\nServerName b\n");
        List<Directive> d = ok(r);
        assertThat(names(d)).containsExactly("ServerName", "Listen", "Listen", "ServerName");
        assertThat(d.get(1).args()).containsExactly("10");
        assertThat(d.get(1).source()).isEqualTo(new Source(root.resolve("conf.d/10-a.conf"), 3));
        assertThat(d.get(2).source()).isEqualTo(new Source(root.resolve("conf.d/20-b.conf"), 1));
        assertThat(d.get(3).source()).isEqualTo(new Source(root.resolve("site.conf"), 3));
    }

    @Test
    void includeAllowsWildcardsInDirectoriesAndReadsWholeDirectories() throws Exception {
        write("sites/b/site.conf", "Listen b\n");
        write("sites/a/site.conf", "Listen a\n");
        write("sites/a/other.conf", "Listen other\n");
        write("dir/z.conf", "Listen z\n");
        write("dir/sub/y.conf", "Listen y\n");
        write("dir/x.conf", "Listen x\n");
        List<Directive> d = ok(read("Include sites/*/site.conf\nInclude " + root.resolve("dir") + "\n"));
        assertThat(d).extracting(x -> x.args().getFirst()).containsExactly("a", "b", "y", "x", "z");
    }

    @Test
    void includedSectionsSpliceIntoTheIncludingSection() throws Exception {
        write("vhost.d/app.conf", "<Location /app>\n  Require all granted\n</Location>\n");
        List<Directive> d = ok(read("<VirtualHost *:80>\n  Include vhost.d/[a-z]*.conf\n</VirtualHost>\n"));
        assertThat(d).singleElement().satisfies(vh -> assertThat(vh.children()).singleElement().satisfies(loc -> {
            assertThat(loc.is("Location")).isTrue();
            assertThat(loc.children().getFirst().source()).isEqualTo(new Source(root.resolve("vhost.d/app.conf"), 2));
        }));
    }

    @Test
    void includeThatMatchesNothingIsAnErrorButIncludeOptionalIsNot() throws Exception {
        ConfigReader.Result r = read("""
                Include conf.d/*.conf
                Include missing.conf
                IncludeOptional conf.d/*.conf
                IncludeOptional missing.conf
                Listen 80
                """);
        assertThat(messages(r)).hasSize(2);
        assertThat(messages(r).get(0)).contains("site.conf:1:").contains("Include conf.d/*.conf matches no file");
        assertThat(messages(r).get(1)).contains("site.conf:2:").contains("Include missing.conf matches no file");
        assertThat(names(r.directives())).containsExactly("Listen");
    }

    @Test
    void anIncludeLoopIsAnError() throws Exception {
        write("loop.conf", "Listen 1\nInclude loop.conf\n");
        ConfigReader.Result r = read("Include loop.conf\n");
        assertThat(messages(r)).singleElement().asString()
                .contains("loop.conf:2:").contains("nested more than 32 levels");
        assertThat(r.directives()).hasSize(32);
    }

    @Test
    void problemsInIncludedFilesCarryTheirOwnFileAndLine() throws Exception {
        write("inc/a.conf", "Listen 1\n<Directory /x>\n");
        ConfigReader.Result r = read("Listen 0\nInclude inc/a.conf\nServerName ${NOPE}\n");
        assertThat(messages(r)).containsExactly(
                root.resolve("inc/a.conf") + ":2: <Directory> is not closed: no </Directory> before the end of "
                        + root.resolve("inc/a.conf"),
                root.resolve("site.conf") + ":3: variable NOPE is not defined (Define it, or set it in the environment)");
    }

    @Test
    void definesMadeInAnIncludedFileHoldAfterIt() throws Exception {
        write("defs.conf", "Define PORT 8080\n");
        List<Directive> d = ok(read("Include defs.conf\nListen ${PORT}\n"));
        assertThat(d.getFirst().args()).containsExactly("8080");
    }

    @Test
    void aMissingTopLevelFileIsAnErrorNamingIt() {
        Path missing = root.resolve("nope.conf");
        ConfigReader.Result r = ConfigReader.read(missing, Map.of(), Set.of(), root, ConfigReader.MODULES);
        assertThat(r.errors()).singleElement().satisfies(p -> {
            assertThat(p.source()).isNull();
            assertThat(p.message()).contains(missing.toString());
        });
        assertThat(r.directives()).isEmpty();
    }

    @Test
    void collectsEveryError() throws Exception {
        ConfigReader.Result r = read("A ${X}\nB \"open\nInclude none.conf\n</Files>\nDefine\n");
        assertThat(r.errors()).extracting(p -> p.source().line()).containsExactly(1, 2, 3, 4, 5);
    }
}
