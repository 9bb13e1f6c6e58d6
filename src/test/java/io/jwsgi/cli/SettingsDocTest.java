package io.jwsgi.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jwsgi.config.Setting;
import io.jwsgi.config.StartServerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SettingsDocTest {
    private static final Path DOC = Path.of("docs/settings.md"); // surefire runs in the project directory

    @Test
    void checkedInSettingsDocMatchesTheCatalogue() throws IOException {
        String generated = SettingsDoc.render(StartServerSettings.ALL);
        String checkedIn = Files.exists(DOC) ? Files.readString(DOC) : "";

        assertThat(checkedIn)
                .as("docs/settings.md is out of date with StartServerSettings; regenerate it with: "
                        + SettingsDoc.REGENERATE)
                .isEqualTo(generated);
    }

    @Test
    void documentsEverySetting() {
        String doc = SettingsDoc.render(StartServerSettings.ALL);

        for (Setting<?> setting : StartServerSettings.ALL) {
            assertThat(doc).contains("### `" + setting.synopsis() + "`");
        }
    }
}
