package io.jwsgi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jwsgi.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerRootTest {
    static final int UID = (int) new com.sun.security.auth.module.UnixSystem().getUid();

    @TempDir
    Path tmp;

    @Test
    void createsAMissingRootThatNoOtherUserCanWrite() throws Exception {
        Path root = tmp.resolve("jwsgi-localhost:8000:" + UID);
        ServerRoot.prepare(root, UID);
        assertThat(root).isDirectory();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(root))).matches("rwx.-..-.");
        ServerRoot.prepare(root, UID); // and accepts it the next time
    }

    @Test
    void refusesASymbolicLinkPlantedAtThePath() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("attacker"));
        Path root = Files.createSymbolicLink(tmp.resolve("jwsgi-localhost:8000:" + UID), elsewhere);
        assertThatThrownBy(() -> ServerRoot.prepare(root, UID)).isInstanceOf(ConfigException.class)
                .hasMessageContaining(root.toString()).hasMessageContaining("symbolic link");
        assertThat(elsewhere).isEmptyDirectory();
    }

    @Test
    void refusesARootWritableByGroupOrOthers() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThatThrownBy(() -> ServerRoot.prepare(root, UID)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("writable by group or others").hasMessageContaining("rwxrwxrwx");
    }

    @Test
    void refusesARootOwnedByAnotherUser() throws Exception {
        Path root = Files.createDirectory(tmp.resolve("theirs"));
        assertThatThrownBy(() -> ServerRoot.prepare(root, UID + 1)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("owned by uid " + UID);
    }

    @Test
    void refusesAFileInItsPlace() throws Exception {
        Path root = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> ServerRoot.prepare(root, UID)).hasMessageContaining("not a directory");
    }

    @Test
    void asRootRefusesARootChownedToNobody() throws Exception {
        assumeTrue(UID == 0, "needs root");
        Path root = Files.createDirectory(tmp.resolve("nobodys"));
        Files.setOwner(root, root.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        assertThatThrownBy(() -> ServerRoot.prepare(root, UID)).hasMessageContaining("not by the server's user");
    }
}
