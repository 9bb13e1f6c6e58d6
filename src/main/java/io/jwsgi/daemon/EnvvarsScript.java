package io.jwsgi.daemon;

import io.jwsgi.config.ConfigException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --envvars-script}: mod_wsgi-express's apachectl sources {@code envvars} before Apache starts, so what it
 * exports reaches every process. Here the script is sourced once by {@code /bin/sh} at start-up and the variables it
 * added or changed are given to the worker processes. (A variable the script unsets stays set: the workers'
 * environment starts from the server's.)
 */
public final class EnvvarsScript {
    private EnvvarsScript() {}

    /** The variables {@code script} sets differently from {@code base}, the environment it is sourced in. */
    public static Map<String, String> source(Path script, Map<String, String> base) {
        // The script's own output goes to stderr, so that only env's NUL-separated list is on stdout.
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", ". \"$1\" 1>&2 && exec env -0", "sh",
                script.toString());
        pb.environment().clear();
        pb.environment().putAll(base);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try {
            Process p = pb.start();
            ByteArrayOutputStream errors = new ByteArrayOutputStream();
            Thread drain = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), errors));
            byte[] out = p.getInputStream().readAllBytes();
            int code = p.waitFor();
            drain.join();
            if (code != 0) {
                throw new ConfigException("--envvars-script: " + script + " failed (exit status " + code + "): "
                        + errors.toString(StandardCharsets.UTF_8).strip());
            }
            Map<String, String> changed = new LinkedHashMap<>();
            for (String entry : new String(out, StandardCharsets.UTF_8).split("\0")) {
                int eq = entry.indexOf('=');
                if (eq <= 0) continue;
                String name = entry.substring(0, eq);
                String value = entry.substring(eq + 1);
                // The shell's own bookkeeping is not the script's doing.
                if (name.equals("PWD") || name.equals("SHLVL") || name.equals("_") || name.equals("OLDPWD")) continue;
                if (!value.equals(base.get(name))) changed.put(name, value);
            }
            return changed;
        } catch (IOException e) {
            throw new ConfigException("--envvars-script: cannot run /bin/sh for " + script + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("--envvars-script: interrupted while sourcing " + script);
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException e) {
            // the exit status says the script failed; its partial stderr is all there is to report
        }
    }
}
