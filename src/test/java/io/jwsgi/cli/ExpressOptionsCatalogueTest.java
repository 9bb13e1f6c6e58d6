package io.jwsgi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Environment;
import io.jwsgi.config.Setting;
import io.jwsgi.config.StartServerSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No mod_wsgi-express start-server command line fails with "unknown option" (issue 13 part 3): every option of the
 * catalogue's section 4.2 is fed, with sample values, to {@code start-server --setup-only}. The list of names is kept
 * in the test resources (express/start-server-options.txt) so the test runs without ../shared; when the catalogue is
 * there, the copy must name exactly its options.
 */
class ExpressOptionsCatalogueTest {
    private static final String RESOURCE = "/express/start-server-options.txt";
    private static final Path CATALOGUE = Path.of("../shared/reference/modwsgi-features.md");

    @TempDir
    Path temp;

    Environment environment;
    Map<String, String> placeholders;

    @BeforeEach
    void files() throws IOException {
        Path python = Files.createDirectories(temp.resolve("bin")).resolve("python3");
        Files.writeString(python, "#!/bin/sh\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
        environment = new Environment(Map.of("PATH", python.getParent().toString(), "HOME", temp.toString()), temp,
                1000);
        Path script = Files.writeString(temp.resolve("app.py"), "def application(e, s): pass\n");
        Path file = Files.writeString(temp.resolve("service.py"), "import time\n");
        Path empty = Files.writeString(temp.resolve("empty"), "");
        Path cert = Files.writeString(temp.resolve("site.crt"), "-----BEGIN CERTIFICATE-----\n");
        Path key = Files.writeString(temp.resolve("site.key"), "-----BEGIN PRIVATE KEY-----\n");
        placeholders = new LinkedHashMap<>();
        placeholders.put("{script}", script.toString());
        placeholders.put("{file}", file.toString());
        placeholders.put("{empty}", empty.toString());
        placeholders.put("{cert}", cert.toString());
        placeholders.put("{key}", key.toString());
        placeholders.put("{stem}", temp.resolve("site").toString());
        placeholders.put("{service}", "--service-script svc " + file);
    }

    @Test
    void theCopyNamesExactlyTheCatalogueOptionsWhenTheCatalogueIsThere() throws IOException {
        Set<String> copy = new TreeSet<>(sampleLines().keySet());
        // The catalogue's 4.2 has 152 options (options.py's add_option calls), each on one line of the copy.
        assertThat(copy).hasSize(152).allMatch(o -> o.matches("--[a-z][a-z0-9-]*"));
        if (Files.isRegularFile(CATALOGUE)) { // the project's machines; elsewhere the copy stands alone
            assertThat(copy).isEqualTo(catalogueOptions(Files.readString(CATALOGUE)));
        }
    }

    @Test
    void noModWsgiExpressOptionIsUnknownToStartServerSetupOnly() throws IOException {
        Map<String, List<String>> lines = sampleLines();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(152);
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (Map.Entry<String, List<String>> line : lines.entrySet()) {
            String option = line.getKey();
            Path root = temp.resolve("root-" + n++);
            List<String> args = new ArrayList<>(List.of("start-server", placeholders.get("{script}"), "--setup-only"));
            if (!line.getValue().contains("--server-root")) args.addAll(List.of("--server-root", root.toString()));
            for (String word : line.getValue()) args.addAll(words(word, root));
            Outcome outcome = run(args);
            String unknown = outcome.unknownOption();
            if (unknown != null) {
                failures.add(option + ": " + outcome.stderr());
            } else if (refused(option)) {
                if (outcome.code() != 2 || !outcome.stderr().startsWith("jwsgi: " + option)) {
                    failures.add(option + ": expected a refusal naming it, got " + outcome);
                }
            } else if (outcome.code() != 0) {
                failures.add(option + ": " + outcome);
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void everyApacheOnlyOptionGivesOneWarningLine() throws IOException {
        for (Setting<?> s : StartServerSettings.IGNORED_OPTIONS) {
            List<String> args = new ArrayList<>(List.of("start-server", placeholders.get("{script}"), "--setup-only",
                    "--server-root", temp.resolve("root-" + s.name()).toString()));
            for (String word : sampleLines().get(s.flag())) args.addAll(words(word, temp));
            Outcome outcome = run(args);
            assertThat(outcome.code()).as(outcome.toString()).isZero();
            assertThat(outcome.stderr().lines().toList()).as(s.flag())
                    .singleElement().asString().startsWith("jwsgi: warning: option ignored: " + s.flag() + ": ");
        }
    }

    @Test
    void theMigrationGuideListsEveryIgnoredAndRefusedOption() throws IOException {
        String guide = Files.readString(Path.of("docs/migrating-from-mod_wsgi.md"));
        String section = guide.substring(guide.indexOf("## mod_wsgi-express command lines"));
        for (Setting<?> s : StartServerSettings.IGNORED_OPTIONS) assertThat(section).contains("`" + s.flag() + "`");
        for (Setting<?> s : StartServerSettings.REFUSED_OPTIONS) assertThat(section).contains("`" + s.flag() + "`");
    }

    private static boolean refused(String option) {
        return StartServerSettings.REFUSED_OPTIONS.stream().anyMatch(s -> s.flag().equals(option))
                && !option.equals("--allow-override") && !option.equals("--rewrite-rules"); // given as "nothing"
    }

    /** A sample word with its placeholders filled in ({dir} a new directory under the server root's parent). */
    private List<String> words(String word, Path root) throws IOException {
        if (word.equals("{service}")) return List.of(placeholders.get(word).split(" "));
        if (word.contains("{dir}")) {
            Path dir = Files.createDirectories(root.resolveSibling(root.getFileName() + "-dir"));
            word = word.replace("{dir}", dir.toString());
        }
        for (Map.Entry<String, String> p : placeholders.entrySet()) word = word.replace(p.getKey(), p.getValue());
        return List.of(word);
    }

    private record Outcome(int code, String stdout, String stderr) {
        /** The option an "unknown option" error names, or null. */
        String unknownOption() {
            Matcher m = Pattern.compile("unknown option '(--[a-z0-9-]+)'").matcher(stderr);
            return m.find() ? m.group(1) : null;
        }
    }

    private Outcome run(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), () -> environment, config -> {
                    throw new AssertionError("--setup-only must not start a server");
                });
        int code = main.run(args);
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The resource: option name to its sample words, in file order. */
    private static Map<String, List<String>> sampleLines() throws IOException {
        Map<String, List<String>> lines = new LinkedHashMap<>();
        try (InputStream in = ExpressOptionsCatalogueTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                List<String> words = List.of(line.strip().split(" +"));
                lines.put(words.getFirst(), words);
            }
        }
        return lines;
    }

    /** The options in the first column of the tables of the catalogue's section 4.2. */
    static Set<String> catalogueOptions(String catalogue) {
        int start = catalogue.indexOf("### 4.2");
        int end = catalogue.indexOf("### 4.3", start);
        Set<String> options = new TreeSet<>();
        Pattern flag = Pattern.compile("--[a-z][a-z0-9-]*");
        for (String row : catalogue.substring(start, end).split("\n")) {
            if (!row.startsWith("|")) continue;
            String[] cells = row.split("\\|", -1);
            if (cells.length < 3) continue;
            Matcher m = flag.matcher(cells[1]);
            while (m.find()) options.add(m.group());
        }
        return options;
    }
}
