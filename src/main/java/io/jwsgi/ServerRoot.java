package io.jwsgi;

import io.jwsgi.config.ConfigException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates or checks the server root. The default one lives in a shared, world-writable directory ($TMPDIR or
 * /tmp) under a predictable name, so another local user could plant it first: as a symbolic link to a directory
 * of theirs (the server would then write its runtime, sockets and logs where they choose) or as a directory they
 * own. So an existing server root must be a real directory, owned by the user running the server and writable
 * by nobody else; a new one is created (not through a link: {@code mkdir} fails on any existing name) with mode
 * 0755, so workers running as --user can still read the runtime in it.
 */
final class ServerRoot {
    private ServerRoot() {}

    static void prepare(Path root, int uid) throws IOException {
        Path parent = root.getParent();
        if (parent != null) Files.createDirectories(parent);
        try {
            Files.createDirectory(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            return;
        } catch (FileAlreadyExistsException e) {
            // it exists (or something else by that name does): check it below
        }
        check(root, uid);
    }

    static void check(Path root, int uid) throws IOException {
        if (Files.isSymbolicLink(root)) {
            throw new ConfigException("server root " + root + " is a symbolic link; refusing to use it (in a shared "
                    + "directory another user can plant one): remove it, or choose another with --server-root");
        }
        PosixFileAttributes attributes = Files.readAttributes(root, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory()) {
            throw new ConfigException("server root " + root + " exists and is not a directory (see --server-root)");
        }
        int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != uid) {
            throw new ConfigException("server root " + root + " is owned by uid " + owner + ", not by the server's user"
                    + " (uid " + uid + "); refusing to use it: remove it, or choose another with --server-root");
        }
        Set<PosixFilePermission> mode = attributes.permissions();
        if (mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new ConfigException("server root " + root + " is writable by group or others (mode "
                    + PosixFilePermissions.toString(mode) + "); refusing to use it: chmod go-w it, or choose another "
                    + "with --server-root");
        }
    }
}
