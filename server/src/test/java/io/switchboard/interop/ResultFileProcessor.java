package io.switchboard.interop;

import java.util.Map;
import org.igniterealtime.smack.inttest.AbstractSmackIntTest;
import org.igniterealtime.smack.inttest.FailedTest;
import org.igniterealtime.smack.inttest.SmackIntegrationTestFramework;
import org.igniterealtime.smack.inttest.SuccessfulTest;
import org.igniterealtime.smack.inttest.TestNotPossible;

/**
 * SINT result processor (configured with {@code -Dsinttest.testRunResultProcessors=}) that writes one
 * machine-readable line per concrete test to the file named by {@code -Dinterop.resultFile}; see
 * {@link ResultLines} for the format. {@link InteropIT} aggregates these files into the report.
 */
public final class ResultFileProcessor implements SmackIntegrationTestFramework.TestRunResultProcessor {

    @Override
    public void process(SmackIntegrationTestFramework.TestRunResult result) {
        for (SuccessfulTest test : result.getSuccessfulTests()) {
            ResultLines.append(ResultLines.PASS, className(test.concreteTest), methodName(test.concreteTest),
                    Long.toString(test.duration));
        }
        for (FailedTest test : result.getFailedTests()) {
            ResultLines.append(ResultLines.FAIL, className(test.concreteTest), methodName(test.concreteTest),
                    ResultLines.describe(test.failureReason));
        }
        for (TestNotPossible test : result.getNotPossibleTests()) {
            ResultLines.append(ResultLines.NOT_POSSIBLE, className(test.concreteTest), methodName(test.concreteTest),
                    notPossibleReason(test.testNotPossibleException));
        }
        for (Map.Entry<Class<? extends AbstractSmackIntTest>, Throwable> e : result.getImpossibleTestClasses().entrySet()) {
            ResultLines.append(ResultLines.NOT_POSSIBLE, e.getKey().getName(), ResultLines.WHOLE_CLASS,
                    notPossibleReason(e.getValue()));
        }
    }

    private static String notPossibleReason(Throwable t) {
        // TestNotPossibleException carries the framework's own sentence; other causes are described fully.
        if (t instanceof org.igniterealtime.smack.inttest.TestNotPossibleException && t.getMessage() != null) {
            String message = t.getMessage().strip().lines().findFirst().orElse("");
            return t.getCause() == null ? message : message + " [caused by " + ResultLines.describe(t.getCause()) + "]";
        }
        return ResultLines.describe(t);
    }

    private static String className(SmackIntegrationTestFramework.ConcreteTest test) {
        return test.getMethod().getDeclaringClass().getName();
    }

    private static String methodName(SmackIntegrationTestFramework.ConcreteTest test) {
        return test.getMethod().getName();
    }
}
