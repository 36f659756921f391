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
            LOG.warn("HTTP: {} requests in progress, refusing {} {} from {} with 503", max, request.getMethod(),
                    request.getHttpURI().getPath(), Request.getRemoteAddr(request));
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
