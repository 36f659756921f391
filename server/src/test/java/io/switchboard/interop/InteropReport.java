package io.switchboard.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Writes {@code report.md} (per-class table and reasons) and {@code results.tsv} (one line per test). */
final class InteropReport {

    private InteropReport() {
    }

    static void write(Path dir, List<Outcomes.TestClass> classes, Set<String> mustPass, Map<String, String> header,
            List<String> problems, List<String> streamErrors) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("report.md"), markdown(classes, mustPass, header, problems, streamErrors),
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("results.tsv"), tsv(classes, mustPass), StandardCharsets.UTF_8);
    }

    static Map<Outcomes.Status, Long> totals(List<Outcomes.TestClass> classes) {
        Map<Outcomes.Status, Long> totals = new EnumMap<>(Outcomes.Status.class);
        for (Outcomes.Status s : Outcomes.Status.values()) {
            totals.put(s, classes.stream().mapToLong(c -> c.count(s)).sum());
        }
        return totals;
    }

    static String markdown(List<Outcomes.TestClass> classes, Set<String> mustPass, Map<String, String> header,
            List<String> problems, List<String> streamErrors) {
        StringBuilder sb = new StringBuilder();
        sb.append("# Switchboard against the Smack Integration Test Framework\n\n");
        for (Map.Entry<String, String> e : header.entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
        }
        Map<Outcomes.Status, Long> totals = totals(classes);
        long all = totals.values().stream().mapToLong(Long::longValue).sum();
        sb.append("- **Concrete tests**: ").append(all).append(" in ").append(classes.size()).append(" classes: ")
                .append(totals.get(Outcomes.Status.PASS)).append(" passed, ")
                .append(totals.get(Outcomes.Status.FAIL)).append(" failed, ")
                .append(totals.get(Outcomes.Status.NOT_POSSIBLE)).append(" not possible, ")
                .append(totals.get(Outcomes.Status.NOT_RUN)).append(" not run\n");
        sb.append("- **Verdict**: ").append(problems.isEmpty()
                ? "every test of the must-pass set passed"
                : problems.size() + " problem(s) in the must-pass set (the build fails)").append("\n\n");

        if (!problems.isEmpty()) {
            sb.append("## Must-pass problems\n\n");
            for (String p : problems) {
                sb.append("- ").append(md(p)).append('\n');
            }
            sb.append('\n');
        }
        if (!streamErrors.isEmpty()) {
            sb.append("## Streams the server closed with an error\n\n");
            for (String l : streamErrors) {
                sb.append("- ").append(md(l)).append('\n');
            }
            sb.append('\n');
        }

        sb.append("## Per class\n\n");
        sb.append("Must pass = in `InteropIT.MUST_PASS`: any result other than passed fails the build.\n\n");
        sb.append("| test class | spec | must pass | passed | failed | not possible | not run | time (s) | log |\n");
        sb.append("|---|---|---|---:|---:|---:|---:|---:|---|\n");
        for (Outcomes.TestClass c : classes) {
            sb.append("| ").append(c.testClass().simpleName())
                    .append(" | ").append(c.testClass().specification().isEmpty() ? "–" : c.testClass().specification())
                    .append(" | ").append(mustPass.contains(c.testClass().name()) ? "yes" : "")
                    .append(" | ").append(c.count(Outcomes.Status.PASS))
                    .append(" | ").append(c.count(Outcomes.Status.FAIL))
                    .append(" | ").append(c.count(Outcomes.Status.NOT_POSSIBLE))
                    .append(" | ").append(c.count(Outcomes.Status.NOT_RUN))
                    .append(" | ").append(String.format(java.util.Locale.ROOT, "%.1f", c.millis() / 1000.0))
                    .append(" | ").append(c.logs().isEmpty() ? "–" : String.join(", ", c.logs().stream()
                            .map(l -> "[" + l.substring(l.lastIndexOf('/') + 1) + "](" + l + ")").toList()))
                    .append(" |\n");
        }
        sb.append("| **total** | | | ").append(totals.get(Outcomes.Status.PASS))
                .append(" | ").append(totals.get(Outcomes.Status.FAIL))
                .append(" | ").append(totals.get(Outcomes.Status.NOT_POSSIBLE))
                .append(" | ").append(totals.get(Outcomes.Status.NOT_RUN)).append(" | | |\n\n");

        sb.append("## Tests that did not pass\n\n");
        boolean any = false;
        for (Outcomes.Status status : List.of(Outcomes.Status.FAIL, Outcomes.Status.NOT_POSSIBLE, Outcomes.Status.NOT_RUN)) {
            StringBuilder part = new StringBuilder();
            for (Outcomes.TestClass c : classes) {
                for (Outcomes.Test t : c.tests()) {
                    if (t.status() == status) {
                        part.append("| ").append(c.testClass().simpleName()).append('.').append(t.method())
                                .append(mustPass.contains(c.testClass().name()) ? " **(must pass)**" : "")
                                .append(" | ").append(md(t.reason())).append(" |\n");
                    }
                }
            }
            if (part.length() > 0) {
                any = true;
                sb.append("### ").append(Character.toUpperCase(status.label.charAt(0))).append(status.label.substring(1))
                        .append("\n\n| test | reason |\n|---|---|\n").append(part).append('\n');
            }
        }
        if (!any) {
            sb.append("None.\n");
        }
        return sb.toString();
    }

    static String tsv(List<Outcomes.TestClass> classes, Set<String> mustPass) {
        StringBuilder sb = new StringBuilder("class\tmethod\tstatus\tmust_pass\tmillis\treason\n");
        for (Outcomes.TestClass c : classes) {
            for (Outcomes.Test t : c.tests()) {
                sb.append(c.testClass().name()).append('\t').append(t.method()).append('\t').append(t.status())
                        .append('\t').append(mustPass.contains(c.testClass().name())).append('\t').append(t.millis())
                        .append('\t').append(t.reason().replace('\t', ' ')).append('\n');
            }
        }
        return sb.toString();
    }

    private static String md(String s) {
        return s.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;");
    }
}
