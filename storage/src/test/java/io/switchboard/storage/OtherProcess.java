package io.switchboard.storage;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Another Switchboard process on the same data directory, for {@link EmbeddedDatabaseTest}: joins or
 * starts the embedded database, prints {@code READY <port> <startedHere>}, and leaves it when a line
 * arrives on standard input.
 */
public final class OtherProcess {

    private OtherProcess() {
    }

    public static void main(String[] args) throws Exception {
        try (EmbeddedDatabase db = EmbeddedDatabase.connectOrStart(Path.of(args[0]))) {
            System.out.println("READY " + db.port() + " " + db.startedHere());
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        System.out.println("LEFT");
    }
}
