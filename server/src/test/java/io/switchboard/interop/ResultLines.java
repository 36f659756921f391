package io.switchboard.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine-readable protocol between a SINT child JVM and {@link InteropIT}: one tab-separated line per
 * event, appended to the file named by the system property {@value #RESULT_FILE_PROPERTY}.
 *
 * <pre>
 * START         &lt;class FQCN&gt;  &lt;method&gt;                   (a concrete test began; written as it happens)
 * PASS          &lt;class FQCN&gt;  &lt;method&gt;  &lt;duration ms&gt;
 * FAIL          &lt;class FQCN&gt;  &lt;method&gt;  &lt;reason&gt;
 * NOT_POSSIBLE  &lt;class FQCN&gt;  &lt;method&gt;  &lt;reason&gt;        (TestNotPossibleException)
 * NOT_POSSIBLE  &lt;class FQCN&gt;  *         &lt;reason&gt;        (the whole class: its constructor refused)
 * ABORT         &lt;class FQCN&gt;  &lt;method or *&gt;  &lt;reason&gt;   (the framework threw; * = outside any test)
 * </pre>
 */
final class ResultLines {

    static final String RESULT_FILE_PROPERTY = "interop.resultFile";

    static final String START = "START";
    static final String PASS = "PASS";
    static final String FAIL = "FAIL";
    static final String NOT_POSSIBLE = "NOT_POSSIBLE";
    static final String ABORT = "ABORT";
    static final String WHOLE_CLASS = "*";

    private static final int MAX_REASON = 600;

    private ResultLines() {
    }

    /** Appends one event to the result file of this JVM (no-op when the property is not set). */
    static synchronized void append(String... fields) {
        String file = System.getProperty(RESULT_FILE_PROPERTY);
        if (file == null || file.isEmpty()) {
            return;
        }
        List<String> cleaned = new ArrayList<>(fields.length);
        for (String field : fields) {
            cleaned.add(clean(field));
        }
        try {
            Files.writeString(Path.of(file), String.join("\t", cleaned) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the events of one child run; a missing file means no events. */
    static List<String[]> read(Path file) throws IOException {
        List<String[]> events = new ArrayList<>();
        if (!Files.exists(file)) {
            return events;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                String[] parts = line.split("\t", -1);
                if (parts.length >= 3) {
                    events.add(parts);
                }
            }
        }
        return events;
    }

    /** A one-line description of a failure: exception type, first line of its message, and its root cause. */
    static String describe(Throwable t) {
        if (t == null) {
            return "(no reason given)";
        }
        StringBuilder sb = new StringBuilder(firstLine(t));
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != t) {
            String rootLine = firstLine(root);
            if (!sb.toString().contains(rootLine)) {
                sb.append(" [caused by ").append(rootLine).append(']');
            }
        }
        return sb.toString();
    }

    private static String firstLine(Throwable t) {
        String message = t.getMessage();
        String name = t.getClass().getSimpleName().isEmpty() ? t.getClass().getName() : t.getClass().getSimpleName();
        if (message == null || message.isBlank()) {
            return name;
        }
        String first = message.strip().lines().findFirst().orElse("");
        return name + ": " + first;
    }

    private static String clean(String s) {
        if (s == null) {
            return "";
        }
        String one = s.replace('\t', ' ').replace('\r', ' ').replace('\n', ' ');
        return one.length() > MAX_REASON ? one.substring(0, MAX_REASON) + "…" : one;
    }
}
