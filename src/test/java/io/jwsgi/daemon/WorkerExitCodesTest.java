package io.jwsgi.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.cli.ExitCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** worker.py's exit statuses are the server's own ({@link ExitCode}); the supervisor acts on one of them. */
class WorkerExitCodesTest {
    @Test
    void everyExitStatusTheWorkerNamesHasTheNumberOfTheServersExitCodeOfTheSameName() throws Exception {
        String source = Files.readString(Path.of("src/main/python/jwsgi/worker.py"));
        Matcher m = Pattern.compile("(?m)^EXIT_([A-Z_]+) = (\\d+)$").matcher(source);
        Map<String, Integer> python = new LinkedHashMap<>();
        while (m.find()) python.put(m.group(1), Integer.parseInt(m.group(2)));
        assertThat(python).containsKeys("OK", "USAGE", "WORKER_BOOT_FAILURE", "APPLICATION_LOAD_FAILURE");
        python.forEach((name, code) -> assertThat(ExitCode.valueOf(name).code()).as(name).isEqualTo(code));
    }

    @Test
    void theSupervisorsApplicationLoadFailureIsTheExitCodes() {
        assertThat(Worker.EXIT_APPLICATION_LOAD_FAILURE).isEqualTo(ExitCode.APPLICATION_LOAD_FAILURE.code());
    }
}
