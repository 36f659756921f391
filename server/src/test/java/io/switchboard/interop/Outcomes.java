package io.switchboard.interop;

import java.util.List;

/** Results of the interop run, one level per concrete test and per test class. */
final class Outcomes {

    enum Status {
        PASS("passed"),
        FAIL("failed"),
        NOT_POSSIBLE("not possible"),
        NOT_RUN("not run");

        final String label;

        Status(String label) {
            this.label = label;
        }
    }

    /** One concrete test (a test method on the tcp connection). */
    record Test(String method, Status status, String reason, long millis) {
    }

    /** One SINT test class, possibly after several child runs (resumed after an abort or a timeout). */
    record TestClass(SintCatalog.TestClass testClass, List<Test> tests, long millis, int childRuns,
            List<String> logs) {

        long count(Status status) {
            return tests.stream().filter(t -> t.status() == status).count();
        }
    }

    private Outcomes() {
    }
}
