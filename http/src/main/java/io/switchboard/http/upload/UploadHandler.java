package io.switchboard.http.upload;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /upload/<id>/<file name>}: PUT into a granted slot (once, with the slot's size and
 * content type), GET and HEAD (with single byte ranges) of stored files, CORS for web clients.
 */
final class UploadHandler extends Handler.Abstract {

    private static final Logger LOG = LoggerFactory.getLogger(UploadHandler.class);
    /** Types a browser may show in place; everything else is served as an attachment. */
    private static final List<String> INLINE = List.of("image/png", "image/jpeg", "image/gif", "image/webp",
            "image/avif", "text/plain");
    private static final long MAX_AGE = 365L * 24 * 3600;

    private final UploadModule module;

    UploadHandler(UploadModule module) {
        this.module = module;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        // The raw path, decoded here segment by segment: Jetty has already refused dot segments and
        // encoded separators (UriCompliance.DEFAULT), and its own decoded path leaves some escapes.
        String path = request.getHttpURI().getPath();
        String rest = path != null && path.startsWith(UploadModule.PATH) ? path.substring(UploadModule.PATH.length()) : "";
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            return notFound(request, response, callback);
        }
        String id = rest.substring(0, slash);
        String name = decodeSegment(rest.substring(slash + 1));
        if (!FileSystemFileStore.ID.matcher(id).matches() || name == null || name.indexOf('/') >= 0) {
            return notFound(request, response, callback);
        }
        response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        switch (request.getMethod()) {
            case "PUT" -> put(request, response, callback, id, name);
            case "GET", "HEAD" -> get(request, response, callback, id, name);
            case "OPTIONS" -> {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, PUT, OPTIONS");
                response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, PUT, OPTIONS");
                response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type");
                response.getHeaders().put(HttpHeader.ACCESS_CONTROL_MAX_AGE, "86400");
                response.setStatus(HttpStatus.NO_CONTENT_204);
                callback.succeeded();
            }
            default -> {
                response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD, PUT, OPTIONS");
                Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            }
        }
        return true;
    }

    private static boolean notFound(Request request, Response response, Callback callback) {
        Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        return true;
    }

    private static void refuse(Request request, Response response, Callback callback, int status, String why) {
        LOG.info("Upload PUT {} from {} refused with {}: {}", request.getHttpURI().getPath(),
                Request.getRemoteAddr(request), status, why);
        Response.writeError(request, response, callback, status, why);
    }

    private void put(Request request, Response response, Callback callback, String id, String name) throws IOException {
        FileStore store = module.store();
        UploadModule.Slot slot = module.slot(id);
        if (slot == null) {
            if (module.isUploading(id) || store.info(id).isPresent()) {
                refuse(request, response, callback, HttpStatus.CONFLICT_409, "already uploaded or being uploaded");
            } else {
                refuse(request, response, callback, HttpStatus.NOT_FOUND_404, "no such upload slot");
            }
            return;
        }
        if (!slot.filename().equals(name)) {
            refuse(request, response, callback, HttpStatus.NOT_FOUND_404, "not the slot's file name");
            return;
        }
        if (!module.clock().instant().isBefore(slot.expires())) {
            refuse(request, response, callback, HttpStatus.FORBIDDEN_403, "upload slot expired at " + slot.expires());
            return;
        }
        long length = request.getLength();
        if (length < 0) {
            refuse(request, response, callback, HttpStatus.LENGTH_REQUIRED_411, "Content-Length required");
            return;
        }
        if (length != slot.size()) {
            refuse(request, response, callback, length > slot.size() ? HttpStatus.PAYLOAD_TOO_LARGE_413
                    : HttpStatus.BAD_REQUEST_400, "Content-Length " + length + " differs from the slot's size " + slot.size());
            return;
        }
        String type = UploadModule.mediaType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (type == null) {
            type = "application/octet-stream";
        }
        if (!type.equals(slot.contentType())) {
            refuse(request, response, callback, HttpStatus.UNSUPPORTED_MEDIA_TYPE_415,
                    "Content-Type " + type + " differs from the slot's " + slot.contentType());
            return;
        }
        long quota = module.quota();
        if (quota > 0 && store.usage(slot.owner()) + slot.size() > quota) {
            refuse(request, response, callback, HttpStatus.PAYLOAD_TOO_LARGE_413, "quota of " + slot.owner() + " exceeded");
            return;
        }
        if (!module.claim(slot)) {
            refuse(request, response, callback, HttpStatus.CONFLICT_409, "another upload into this slot is in progress");
            return;
        }
        FileStore.FileInfo info = new FileStore.FileInfo(id, slot.owner(), slot.filename(), slot.contentType(),
                slot.size(), module.clock().instant());
        try {
            store.put(info, Request.asInputStream(request));
            module.finished(slot);
        } catch (FileAlreadyExistsException e) {
            module.finished(slot);
            refuse(request, response, callback, HttpStatus.CONFLICT_409, "already uploaded");
            return;
        } catch (IOException | RuntimeException e) {
            module.release(slot);
            LOG.info("Upload {} by {} failed: {}", id, slot.owner(), e.toString());
            Response.writeError(request, response, callback, HttpStatus.BAD_REQUEST_400, "upload incomplete");
            return;
        }
        LOG.info("Stored upload {} by {} ({} bytes, {})", id, slot.owner(), slot.size(), slot.contentType());
        response.setStatus(HttpStatus.CREATED_201);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, 0L);
        response.write(true, BufferUtil.EMPTY_BUFFER, callback);
    }

    private void get(Request request, Response response, Callback callback, String id, String name) throws IOException {
        FileStore store = module.store();
        Optional<FileStore.FileInfo> found = store.info(id);
        if (found.isEmpty() || !found.get().filename().equals(name)) {
            notFound(request, response, callback);
            return;
        }
        FileStore.FileInfo fi = found.get();
        var h = response.getHeaders();
        String etag = "\"" + id + "\"";
        h.put(HttpHeader.ETAG, etag);
        h.put(HttpHeader.CACHE_CONTROL, "public, max-age=" + MAX_AGE + ", immutable");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("Content-Security-Policy", "default-src 'none'; sandbox");
        h.put(HttpHeader.ACCEPT_RANGES, "bytes");
        h.put(HttpHeader.CONTENT_TYPE, fi.contentType());
        boolean inline = INLINE.contains(fi.contentType()) || fi.contentType().startsWith("audio/")
                || fi.contentType().startsWith("video/");
        h.put(HttpHeader.CONTENT_DISPOSITION, (inline ? "inline" : "attachment") + "; filename=\""
                + asciiFallback(fi.filename()) + "\"; filename*=UTF-8''" + UploadModule.encodeSegment(fi.filename()));
        String inm = request.getHeaders().get(HttpHeader.IF_NONE_MATCH);
        if (inm != null && (inm.equals(etag) || inm.equals("*"))) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            callback.succeeded();
            return;
        }
        long size = fi.size();
        long from = 0;
        long length = size;
        HttpField range = request.getHeaders().getField(HttpHeader.RANGE);
        if (range != null) {
            long[] r = parseRange(range.getValue(), size);
            if (r == null) {
                h.put(HttpHeader.CONTENT_RANGE, "bytes */" + size);
                Response.writeError(request, response, callback, HttpStatus.RANGE_NOT_SATISFIABLE_416);
                return;
            }
            if (r.length == 2) {
                from = r[0];
                length = r[1] - r[0] + 1;
                response.setStatus(HttpStatus.PARTIAL_CONTENT_206);
                h.put(HttpHeader.CONTENT_RANGE, "bytes " + r[0] + "-" + r[1] + "/" + size);
            }
        }
        if (response.getStatus() == 0) {
            response.setStatus(HttpStatus.OK_200);
        }
        h.put(HttpHeader.CONTENT_LENGTH, length);
        if ("HEAD".equals(request.getMethod())) {
            response.write(true, BufferUtil.EMPTY_BUFFER, callback);
            return;
        }
        try (SeekableByteChannel ch = store.open(id); OutputStream out = Content.Sink.asOutputStream(response)) {
            ch.position(from);
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long left = length;
            while (left > 0) {
                buf.clear();
                if (left < buf.capacity()) {
                    buf.limit((int) left);
                }
                int n = ch.read(buf);
                if (n < 0) {
                    throw new IOException("file " + id + " shorter than its recorded size");
                }
                out.write(buf.array(), 0, n);
                left -= n;
            }
        } catch (NoSuchFileException e) {
            // Deleted between info() and open() (expiry): nothing was written yet.
            response.reset();
            notFound(request, response, callback);
            return;
        } catch (IOException e) {
            callback.failed(e);
            return;
        }
        callback.succeeded();
    }

    /**
     * A single byte range {@code bytes=a-b}, {@code bytes=a-} or {@code bytes=-n}: {from, to}; an
     * empty array to serve the whole file (several ranges, or a header we do not understand, which
     * RFC 9110 §14.2 lets us ignore); null when unsatisfiable.
     */
    static long[] parseRange(String value, long size) {
        String v = value.trim();
        if (!v.startsWith("bytes=") || v.indexOf(',') >= 0) {
            return new long[0];
        }
        String spec = v.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new long[0];
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                long n = Long.parseLong(b);
                if (n <= 0) {
                    return null;
                }
                return new long[]{Math.max(0, size - n), size - 1};
            }
            long from = Long.parseLong(a);
            long to = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (from < 0 || from >= size || to < from) {
                return null;
            }
            return new long[]{from, to};
        } catch (NumberFormatException e) {
            return new long[0];
        }
    }

    /** Percent-decodes one path segment as UTF-8; null when malformed or when it holds a '/' or a control character. */
    static String decodeSegment(String raw) {
        if (raw.indexOf('/') >= 0) {
            return null;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length()) {
                    return null;
                }
                int hi = Character.digit(raw.charAt(i + 1), 16);
                int lo = Character.digit(raw.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else if (c > 0x20 && c < 0x7f) {
                out.write(c);
            } else {
                return null;
            }
        }
        try {
            String s = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(out.toByteArray())).toString();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '/' || c < 0x20 || c == 0x7f) {
                    return null;
                }
            }
            return s;
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    private static String asciiFallback(String name) {
        StringBuilder sb = new StringBuilder();
        for (char c : name.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '_');
        }
        return sb.toString();
    }
}
