package io.switchboard.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * A random secret kept under the data directory, generated on first start: it keys the invented
 * SCRAM salts of unknown users (so they stay the same across restarts) and, through
 * {@code ModuleContext.serverSecret()}, what modules derive from it (group chat occupant ids).
 */
public final class ServerSecret {

    private ServerSecret() {
    }

    public static byte[] loadOrCreate(Path dataDir) throws IOException {
        Path f = dataDir.resolve("server.secret");
        if (Files.exists(f)) {
            byte[] b = Files.readAllBytes(f);
            if (b.length >= 32) {
                return b;
            }
        }
        byte[] secret = random();
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve("server.secret.tmp");
        Files.write(tmp, secret);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system.
        }
        Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return secret;
    }

    public static byte[] random() {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        return secret;
    }
}
