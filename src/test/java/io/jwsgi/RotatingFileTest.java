package io.jwsgi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RotatingFileTest {
    @TempDir
    Path dir;

    @Test
    void rotatesAtTheSizeShiftingNumberedFilesAndKeepingAtMostMaxFiles() throws Exception {
        Path log = dir.resolve("access_log");
        RotatingFile file = new RotatingFile(log, 100, 2);
        for (int i = 0; i < 20; i++) file.writeLine("line %02d %s".formatted(i, "x".repeat(32))); // 41 bytes each
        file.close();
        // 3 lines (123 bytes) per file: lines 0-2, 3-5, ..., 18-19. Kept: the current file and two rotated.
        assertThat(Files.readAllLines(log)).extracting(l -> l.substring(5, 7)).containsExactly("18", "19");
        assertThat(Files.readAllLines(dir.resolve("access_log.1"))).extracting(l -> l.substring(5, 7))
                .containsExactly("15", "16", "17");
        assertThat(Files.readAllLines(dir.resolve("access_log.2"))).extracting(l -> l.substring(5, 7))
                .containsExactly("12", "13", "14");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("access_log", "access_log.1", "access_log.2");
        }
    }

    @Test
    void neverSplitsALineThatArrivesInSeveralWrites() throws Exception {
        Path log = dir.resolve("error_log");
        RotatingFile file = new RotatingFile(log, 50, 5);
        PrintStream out = new PrintStream(file, true, StandardCharsets.UTF_8);
        for (int i = 0; i < 30; i++) {
            out.print("part-one ");
            out.print("part-two ");
            out.println("end " + i); // a PrintStream writes the text and the newline separately
        }
        out.close();
        List<String> all = new ArrayList<>();
        for (String name : List.of("error_log.5", "error_log.4", "error_log.3", "error_log.2", "error_log.1", "error_log")) {
            for (String line : Files.readAllLines(dir.resolve(name))) {
                assertThat(line).matches("part-one part-two end \\d+");
                all.add(line);
            }
            assertThat(Files.size(dir.resolve(name))).isLessThan(50 + 40);
        }
        assertThat(all.getLast()).isEqualTo("part-one part-two end 29");
    }

    @Test
    void appendsToAnExistingFileAndCountsItsSize() throws Exception {
        Path log = dir.resolve("access_log");
        Files.writeString(log, "x".repeat(98) + "\n"); // 99 bytes: "a" still fits under 100, "b" does not
        RotatingFile file = new RotatingFile(log, 100, 3);
        file.writeLine("a");
        file.writeLine("b");
        file.close();
        assertThat(Files.readString(dir.resolve("access_log.1"))).isEqualTo("x".repeat(98) + "\na\n");
        assertThat(Files.readString(log)).isEqualTo("b\n");
    }

    @Test
    void aPlainFileNeverRotates() throws Exception {
        Path log = dir.resolve("access_log");
        RotatingFile file = RotatingFile.plain(log);
        for (int i = 0; i < 1000; i++) file.writeLine("y".repeat(100));
        file.close();
        assertThat(Files.size(log)).isEqualTo(101_000);
        assertThat(dir.resolve("access_log.1")).doesNotExist();
    }
}
