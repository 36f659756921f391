package io.switchboard.interop;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Keeps the server's log lines about streams it closed ("Closing the stream ...") during an interop run, so that a
 * failing run's message says what the server saw, also where only the end of the build output is kept (CI).
 */
final class StreamErrorLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    private static final int MAX = 40;
    private final List<String> lines = new ArrayList<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    StreamErrorLog() {
        setName("interop-stream-errors");
        setContext(root.getLoggerContext());
        start();
        root.addAppender(this);
    }

    @Override
    protected synchronized void append(ILoggingEvent e) {
        String m = e.getFormattedMessage();
        if (m != null && m.startsWith("Closing the stream") && lines.size() < MAX) {
            lines.add(e.getThreadName() + " " + m);
        }
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        root.detachAppender(this);
        stop();
    }
}
