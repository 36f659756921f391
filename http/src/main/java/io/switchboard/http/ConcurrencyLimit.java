package io.switchboard.http;

import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers 503 to requests beyond {@code max} in progress at once, instead of queueing them. */
final class ConcurrencyLimit extends Handler.Wrapper {

    private static final Logger LOG = LoggerFactory.getLogger(ConcurrencyLimit.class);

    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Refusals since the last log line (one line per 10 s at most under load). */
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong lastLog = new java.util.concurrent.atomic.AtomicLong();

    ConcurrencyLimit(int max, Handler next) {
        super(next);
        this.max = max;
    }

    int inFlight() {
        return inFlight.get();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            long n = refused.incrementAndGet();
            long now = System.nanoTime();
            long last = lastLog.get();
            if ((last == 0 || now - last > 10_000_000_000L) && lastLog.compareAndSet(last, now == 0 ? 1 : now)) {
                refused.addAndGet(-n);
                LOG.warn("HTTP: {} requests in progress (http.max-concurrent-requests); refused {} request(s) with 503,"
                        + " the latest {} {} from {}", max, n, request.getMethod(), request.getHttpURI().getPath(),
                        Request.getRemoteAddr(request));
            }
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "5");
            Response.writeError(request, response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "Too many requests");
            return true;
        }
        boolean handled = false;
        try {
            handled = super.handle(request, response, new Callback.Nested(callback) {
                @Override
                public void succeeded() {
                    inFlight.decrementAndGet();
                    super.succeeded();
                }

                @Override
                public void failed(Throwable x) {
                    inFlight.decrementAndGet();
                    super.failed(x);
                }
            });
            return handled;
        } finally {
            if (!handled) {
                inFlight.decrementAndGet();
            }
        }
    }
}
