package io.switchboard.http;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Dispatches by the longest mounted path prefix. */
final class PrefixRouter extends Handler.Abstract {

    /** Longest prefix first, so the first match wins. */
    private final Map<String, Handler> routes = new ConcurrentSkipListMap<>(
            Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));

    void mount(String prefix, Handler handler) {
        if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("a route prefix starts and ends with /: " + prefix);
        }
        if (routes.putIfAbsent(prefix, handler) != null) {
            throw new IllegalStateException("two handlers for " + prefix);
        }
        handler.setServer(getServer());
        if (isStarted()) {
            try {
                handler.start();
            } catch (Exception e) {
                routes.remove(prefix, handler);
                throw new IllegalStateException("cannot start the handler for " + prefix, e);
            }
        }
    }

    void unmount(String prefix) {
        Handler h = routes.remove(prefix);
        if (h != null) {
            try {
                h.stop();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the handler for " + prefix, e);
            }
        }
    }

    @Override
    protected void doStart() throws Exception {
        for (Handler h : routes.values()) {
            h.setServer(getServer());
            h.start();
        }
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception {
        for (Handler h : routes.values()) {
            h.stop();
        }
        super.doStop();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (path == null) {
            return false;
        }
        for (Map.Entry<String, Handler> e : routes.entrySet()) {
            String prefix = e.getKey();
            if (path.startsWith(prefix) || path.equals(prefix.substring(0, prefix.length() - 1))) {
                return e.getValue().handle(request, response, callback);
            }
        }
        return false;
    }
}
