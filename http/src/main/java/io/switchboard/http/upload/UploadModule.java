package io.switchboard.http.upload;

import io.switchboard.config.Config;
import io.switchboard.config.ConfigException;
import io.switchboard.config.CoreSettings;
import io.switchboard.config.DataSize;
import io.switchboard.config.Setting;
import io.switchboard.handler.DiscoHandler;
import io.switchboard.handler.HandlerRegistry;
import io.switchboard.http.HttpRoutes;
import io.switchboard.jid.Jid;
import io.switchboard.jid.MalformedJidException;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.routing.Component;
import io.switchboard.stanza.Iq;
import io.switchboard.stanza.Message;
import io.switchboard.stanza.Stanza;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP File Upload (XEP-0363 v1.1): a service at {@code upload.<domain>} hands this server's users
 * upload slots, and the HTTP server takes the file with PUT and serves it with GET at the slot's
 * unguessable URL. Slots are recorded in memory and expire; files and each user's usage are kept
 * by a {@link FileStore} and expire after {@code upload.expire-after}.
 *
 * <p>Needs the {@link io.switchboard.http.HttpModule}'s routes, given to the constructor; list the
 * HTTP module first.
 */
public final class UploadModule implements ServerModule {

    private static final Logger LOG = LoggerFactory.getLogger(UploadModule.class);

    public static final String NS = "urn:xmpp:http:upload:0";
    /** Where files are served on the HTTP server. */
    public static final String PATH = "/upload/";
    /** Pending (not yet uploaded) slots one user may hold. */
    static final int MAX_PENDING_PER_USER = 100;
    /** Longest file name accepted, in UTF-8 bytes (the usual file system limit). */
    static final int MAX_FILENAME_BYTES = 255;

    public static final Setting<String> DOMAIN = Setting.string("upload.domain", "",
            "Domain of the file upload service (XEP-0363); empty: upload.<domain>.");
    public static final Setting<DataSize> MAX_FILE_SIZE = Setting.size("upload.max-file-size",
            new DataSize(100L * 1024 * 1024), "Largest file a user may upload.");
    public static final Setting<DataSize> QUOTA = Setting.size("upload.quota-per-user", new DataSize(1024L * 1024 * 1024),
            "Total size of the files one user may have stored at once (0 = no quota).");
    public static final Setting<Duration> SLOT_LIFETIME = Setting.duration("upload.slot-lifetime", Duration.ofMinutes(5),
            "Time a client has to start uploading after it was given a slot.");
    public static final Setting<Duration> EXPIRE_AFTER = Setting.duration("upload.expire-after", Duration.ofDays(30),
            "Uploaded files are deleted this long after their upload (0 = kept forever).");
    public static final Setting<List<String>> ALLOWED_TYPES = Setting.list("upload.allowed-types",
            "Content types users may upload, e.g. image/*,video/mp4 (empty = any not denied).");
    public static final Setting<List<String>> DENIED_TYPES = Setting.list("upload.denied-types",
            "Content types users may not upload, e.g. application/x-msdownload,text/html.");
    public static final Setting<String> STORE_DIR = Setting.string("upload.directory", "",
            "Directory of uploaded files; empty: uploads under data-dir.");

    /** A granted, not yet used slot. */
    record Slot(String id, String owner, String filename, long size, String contentType, Instant expires) {
    }

    private final HttpRoutes routes;
    private final Clock fixedClock;
    private final SecureRandom random = new SecureRandom();
    /** Pending slots by id, and per owner (both under {@code this}). */
    private final Map<String, Slot> slots = new HashMap<>();
    private final Map<String, Map<String, Slot>> slotsByOwner = new HashMap<>();
    /** Slots whose PUT is in progress (under {@code this}). */
    private final Map<String, Slot> uploading = new HashMap<>();

    private ModuleContext ctx;
    private Clock clock;
    private String uploadDomain;
    private long maxFileSize;
    private long quota;
    private Duration slotLifetime;
    private Duration expireAfter;
    private List<String> allowed;
    private List<String> denied;
    private FileStore store;
    private ExecutorService housekeeper;
    private ScheduledFuture<?> housekeeping;

    /** With the routes of the server's {@link io.switchboard.http.HttpModule}. */
    public UploadModule(HttpRoutes routes) {
        this(routes, null, null);
    }

    /**
     * With a clock of its own (tests that move time), and a file store other than the file system
     * one (null: files under the data directory).
     */
    public UploadModule(HttpRoutes routes, Clock clock, FileStore store) {
        this.routes = routes;
        this.fixedClock = clock;
        this.store = store;
    }

    @Override
    public String name() {
        return "http-upload";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(DOMAIN, MAX_FILE_SIZE, QUOTA, SLOT_LIFETIME, EXPIRE_AFTER, ALLOWED_TYPES, DENIED_TYPES, STORE_DIR);
    }

    @Override
    public void register(HandlerRegistry.Builder handlers, ModuleContext c) {
        this.ctx = c;
        Config cfg = c.config();
        String d = cfg.get(DOMAIN).trim();
        try {
            uploadDomain = Jid.enforceDomain(d.isEmpty() ? "upload." + c.domain() : d);
        } catch (MalformedJidException e) {
            throw new ConfigException("upload.domain: not a domain: '" + d + "'");
        }
        if (uploadDomain.equals(c.domain())) {
            throw new ConfigException("upload.domain must differ from the server's domain");
        }
        maxFileSize = cfg.get(MAX_FILE_SIZE).bytes();
        if (maxFileSize <= 0) {
            throw new ConfigException("upload.max-file-size must be positive");
        }
        quota = cfg.get(QUOTA).bytes();
        slotLifetime = cfg.get(SLOT_LIFETIME);
        expireAfter = cfg.get(EXPIRE_AFTER);
        allowed = normalize(cfg.get(ALLOWED_TYPES));
        denied = normalize(cfg.get(DENIED_TYPES));
        c.disco().addServerItems(() -> List.of(new DiscoHandler.Item(Jid.domain(uploadDomain), "HTTP File Upload",
                null)));
    }

    private static List<String> normalize(List<String> types) {
        return types.stream().map(t -> t.trim().toLowerCase(Locale.ROOT)).filter(t -> !t.isEmpty()).toList();
    }

    @Override
    public void start(ModuleContext c) throws Exception {
        this.clock = fixedClock != null ? fixedClock : c.clock();
        if (store == null) {
            String dir = c.config().get(STORE_DIR).trim();
            Path root = dir.isEmpty() ? Path.of(c.config().get(CoreSettings.DATA_DIR)).resolve("uploads") : Path.of(dir);
            store = new FileSystemFileStore(root);
        }
        c.router().addComponent(new Service());
        routes.mount(PATH, new UploadHandler(this));
        housekeeper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "upload-expiry");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(60, Math.min(3600, expireAfter.isZero() ? 3600 : expireAfter.toSeconds() / 10));
        housekeeping = c.scheduler().scheduleWithFixedDelay(() -> housekeeper.execute(this::housekeeping), 10, every,
                TimeUnit.SECONDS);
        LOG.info("HTTP upload service at {}: files up to {} bytes, quota {} bytes per user, kept {}", uploadDomain,
                maxFileSize, quota == 0 ? "unlimited" : quota,
                expireAfter.isZero() ? "forever" : expireAfter.toHours() + " hours");
    }

    @Override
    public void stop() {
        if (housekeeping != null) {
            housekeeping.cancel(false);
        }
        if (housekeeper != null) {
            housekeeper.shutdownNow();
        }
        routes.unmount(PATH);
    }

    public String domain() {
        return uploadDomain;
    }

    FileStore store() {
        return store;
    }

    Clock clock() {
        return clock;
    }

    private void housekeeping() {
        try {
            dropExpiredSlots();
            if (!expireAfter.isZero()) {
                purge(clock.instant().minus(expireAfter));
            }
        } catch (RuntimeException e) {
            LOG.error("Upload housekeeping failed", e);
        }
    }

    /**
     * Deletes the files uploaded before {@code cutoff} (what the periodic task does with
     * now − {@code upload.expire-after}).
     *
     * @return how many were deleted
     */
    public int purge(Instant cutoff) {
        int deleted = 0;
        try {
            while (true) {
                List<FileStore.FileInfo> old = store.olderThan(cutoff, 500);
                if (old.isEmpty()) {
                    break;
                }
                for (FileStore.FileInfo f : old) {
                    if (store.delete(f.id())) {
                        deleted++;
                    }
                }
                if (old.size() < 500) {
                    break;
                }
            }
        } catch (IOException e) {
            LOG.error("Cannot expire old uploads: {}", e.toString());
        }
        if (deleted > 0) {
            LOG.info("Deleted {} uploaded files older than {}", deleted, cutoff);
        }
        return deleted;
    }

    private synchronized void dropExpiredSlots() {
        Instant now = clock.instant();
        for (Iterator<Slot> it = slots.values().iterator(); it.hasNext(); ) {
            Slot s = it.next();
            if (!now.isBefore(s.expires())) {
                it.remove();
                forget(s);
            }
        }
    }

    private void forget(Slot s) {
        Map<String, Slot> own = slotsByOwner.get(s.owner());
        if (own != null) {
            own.remove(s.id());
            if (own.isEmpty()) {
                slotsByOwner.remove(s.owner());
            }
        }
    }

    /** The pending slot with this id, still there (it may have expired: the caller checks). */
    synchronized Slot slot(String id) {
        return slots.get(id);
    }

    /** Takes the slot for an upload: only one PUT can have it. */
    synchronized boolean claim(Slot s) {
        if (slots.remove(s.id(), s)) {
            forget(s);
            uploading.put(s.id(), s);
            return true;
        }
        return false;
    }

    /** True while a PUT into this slot is in progress. */
    synchronized boolean isUploading(String id) {
        return uploading.containsKey(id);
    }

    /** The upload into a claimed slot is stored. */
    synchronized void finished(Slot s) {
        uploading.remove(s.id(), s);
    }

    /** Gives a slot back after a failed upload, unless it expired meanwhile. */
    synchronized void release(Slot s) {
        uploading.remove(s.id(), s);
        if (clock.instant().isBefore(s.expires()) && !slots.containsKey(s.id())) {
            slots.put(s.id(), s);
            slotsByOwner.computeIfAbsent(s.owner(), k -> new HashMap<>()).put(s.id(), s);
        }
    }

    long quota() {
        return quota;
    }

    /** The component at the upload domain. */
    private final class Service implements Component {
        @Override
        public String domain() {
            return uploadDomain;
        }

        @Override
        public void receive(Stanza stanza) {
            if (stanza instanceof Iq iq) {
                if (!iq.type().isRequest()) {
                    return;
                }
                try {
                    ctx.router().route(answer(iq));
                } catch (StanzaException e) {
                    LOG.info("Upload request from {} refused: {} ({})", iq.from(), e.error().condition(),
                            e.error().text());
                    ctx.router().bounce(iq, e.error());
                } catch (IOException e) {
                    LOG.error("Upload slot for {} failed: {}", iq.from(), e.toString());
                    ctx.router().bounce(iq, StanzaError.internalServerError(null));
                } catch (RuntimeException e) {
                    LOG.error("Upload service failed to answer {}", iq.from(), e);
                    ctx.router().bounce(iq, StanzaError.internalServerError(null));
                }
            } else if (stanza instanceof Message m && !m.isError() && m.hasBody()) {
                ctx.router().bounce(m, StanzaError.serviceUnavailable("this service does not take messages"));
            }
        }
    }

    private Iq answer(Iq iq) throws StanzaException, IOException {
        XmlElement p = iq.payload();
        if (p == null || iq.to().hasLocal() || iq.to().hasResource()) {
            throw new StanzaException(StanzaError.serviceUnavailable(null));
        }
        if (iq.type() == Iq.Type.GET && p.is(Ns.DISCO_INFO, "query")) {
            if (p.attr("node") != null) {
                throw new StanzaException(StanzaError.itemNotFound("no such node"));
            }
            return iq.result(discoInfo());
        }
        if (iq.type() == Iq.Type.GET && p.is(Ns.DISCO_ITEMS, "query")) {
            return iq.result(XmlElement.empty(Ns.DISCO_ITEMS, "query"));
        }
        if (iq.type() == Iq.Type.GET && p.is(NS, "request")) {
            return iq.result(requestSlot(iq.from(), p));
        }
        throw new StanzaException(StanzaError.serviceUnavailable(null));
    }

    private XmlElement discoInfo() {
        XmlElement form = XmlElement.builder(Ns.DATA_FORMS, "x").attr("type", "result")
                .child(XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", "FORM_TYPE").attr("type", "hidden")
                        .textChild(Ns.DATA_FORMS, "value", NS).build())
                .child(XmlElement.builder(Ns.DATA_FORMS, "field").attr("var", "max-file-size")
                        .textChild(Ns.DATA_FORMS, "value", Long.toString(maxFileSize)).build())
                .build();
        return XmlElement.builder(Ns.DISCO_INFO, "query")
                .child(XmlElement.builder(Ns.DISCO_INFO, "identity").attr("category", "store").attr("type", "file")
                        .attr("name", "HTTP File Upload").build())
                .child(XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", Ns.DISCO_INFO).build())
                .child(XmlElement.builder(Ns.DISCO_INFO, "feature").attr("var", NS).build())
                .child(form)
                .build();
    }

    private XmlElement requestSlot(Jid from, XmlElement req) throws StanzaException, IOException {
        if (from == null || !from.hasLocal() || !from.domain().equals(ctx.domain())) {
            throw new StanzaException(StanzaError.forbidden("only users of " + ctx.domain() + " may upload files"));
        }
        String owner = from.bare().toString();
        String filename = checkFilename(req.attr("filename"));
        long size = parseSize(req.attr("size"));
        String type = checkType(req.attr("content-type"));
        if (size > maxFileSize) {
            throw new StanzaException(StanzaError.notAcceptable("File too large. The maximum file size is " + maxFileSize
                    + " bytes").withAppCondition(XmlElement.builder(NS, "file-too-large")
                    .textChild(NS, "max-file-size", Long.toString(maxFileSize)).build()));
        }
        long used = quota > 0 ? store.usage(owner) : 0;
        Slot slot;
        synchronized (this) {
            Instant now = clock.instant();
            Map<String, Slot> own = slotsByOwner.computeIfAbsent(owner, k -> new HashMap<>());
            own.values().removeIf(s -> {
                if (!now.isBefore(s.expires())) {
                    slots.remove(s.id());
                    return true;
                }
                return false;
            });
            if (own.size() >= MAX_PENDING_PER_USER) {
                LOG.info("Upload slot refused to {}: {} slots pending", owner, own.size());
                throw new StanzaException(StanzaError.resourceConstraint("Too many pending uploads; finish or wait "
                        + slotLifetime.toSeconds() + " seconds"));
            }
            // Pending slots and uploads in progress count against the quota until they are stored.
            long reserved = own.values().stream().mapToLong(Slot::size).sum()
                    + uploading.values().stream().filter(u -> u.owner().equals(owner)).mapToLong(Slot::size).sum();
            if (quota > 0 && used + reserved + size > quota) {
                LOG.info("Upload slot refused to {}: quota ({} used, {} reserved, {} asked, quota {})", owner, used,
                        reserved, size, quota);
                throw new StanzaException(StanzaError.resourceConstraint("Quota reached: " + used + " of " + quota
                        + " bytes used; delete or wait for old files to expire"));
            }
            byte[] idBytes = new byte[16];
            random.nextBytes(idBytes);
            slot = new Slot(HexFormat.of().formatHex(idBytes), owner, filename, size, type, now.plus(slotLifetime));
            slots.put(slot.id(), slot);
            own.put(slot.id(), slot);
        }
        String url = url(slot.id(), filename);
        LOG.debug("Upload slot {} for {} ({} bytes, {})", slot.id(), owner, size, type);
        return XmlElement.builder(NS, "slot")
                .child(XmlElement.builder(NS, "put").attr("url", url).build())
                .child(XmlElement.builder(NS, "get").attr("url", url).build())
                .build();
    }

    /** The file's URL: {@code <public url>/upload/<id>/<percent-encoded file name>}. */
    String url(String id, String filename) {
        URI base = routes.publicUrl();
        return base.toString() + PATH + id + "/" + encodeSegment(filename);
    }

    static String encodeSegment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    static String checkFilename(String name) throws StanzaException {
        if (name == null || name.isEmpty()) {
            throw new StanzaException(StanzaError.badRequest("filename is required"));
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_FILENAME_BYTES) {
            throw new StanzaException(StanzaError.badRequest("filename longer than " + MAX_FILENAME_BYTES + " bytes"));
        }
        if (name.equals(".") || name.equals("..")) {
            throw new StanzaException(StanzaError.badRequest("invalid filename"));
        }
        for (int i = 0; i < name.length(); i++) {
            char ch = name.charAt(i);
            if (ch == '/' || ch == '\\' || ch < 0x20 || ch == 0x7f) {
                throw new StanzaException(StanzaError.badRequest("filename may not contain / \\ or control characters"));
            }
        }
        return name;
    }

    private static long parseSize(String s) throws StanzaException {
        long size;
        try {
            size = Long.parseLong(s == null ? "" : s.trim());
        } catch (NumberFormatException e) {
            throw new StanzaException(StanzaError.badRequest("size must be a number of bytes"));
        }
        if (size <= 0) {
            throw new StanzaException(StanzaError.badRequest("size must be positive"));
        }
        return size;
    }

    /** The content type, lower-cased without parameters; application/octet-stream when absent. */
    private String checkType(String raw) throws StanzaException {
        String type = mediaType(raw);
        if (type == null) {
            type = "application/octet-stream";
        } else if (!type.matches("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")) {
            throw new StanzaException(StanzaError.badRequest("invalid content-type"));
        }
        if (matches(denied, type) || (!allowed.isEmpty() && !matches(allowed, type))) {
            throw new StanzaException(StanzaError.notAcceptable("Files of type " + type + " may not be uploaded"));
        }
        return type;
    }

    /** {@code type/subtype} lower-cased without parameters, or null when blank. */
    static String mediaType(String raw) {
        if (raw == null) {
            return null;
        }
        int semi = raw.indexOf(';');
        String t = (semi >= 0 ? raw.substring(0, semi) : raw).trim().toLowerCase(Locale.ROOT);
        return t.isEmpty() ? null : t;
    }

    private static boolean matches(List<String> patterns, String type) {
        for (String p : patterns) {
            if (p.equals(type) || p.equals("*/*") || (p.endsWith("/*") && type.startsWith(p.substring(0, p.length() - 1)))) {
                return true;
            }
        }
        return false;
    }
}
