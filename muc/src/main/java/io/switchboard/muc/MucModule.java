package io.switchboard.muc;

import io.switchboard.cluster.KeyOwnership;
import io.switchboard.config.DataSize;
import io.switchboard.config.Setting;
import io.switchboard.jid.Jid;
import io.switchboard.module.ModuleContext;
import io.switchboard.module.ServerModule;
import io.switchboard.store.MucRoomStore;
import io.switchboard.store.Storage;
import io.switchboard.store.memory.InMemoryMucRoomStore;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Multi-user chat (XEP-0045) as a service at {@code conference.<domain>}: rooms with
 * affiliations and roles, configuration, history, a room archive (XEP-0313), occupant ids
 * (XEP-0421), self-ping (XEP-0410) and moderation (XEP-0425). Persistent rooms are kept in a
 * {@link MucRoomStore}.
 */
public final class MucModule implements ServerModule {

    public static final Setting<String> DOMAIN = Setting.string("muc.domain", "",
            "Domain of the group chat service; empty means conference.<domain>.");
    public static final Setting<CreateRooms> CREATE_ROOMS = Setting.choice("muc.create-rooms", CreateRooms.class,
            CreateRooms.LOCAL, "Who may create rooms: local (accounts of this server) or anyone (also remote users).");
    public static final Setting<Integer> ROOMS_PER_USER = Setting.integer("muc.rooms-per-user", 100, 0, 1_000_000,
            "How many rooms one user may have created at a time.");
    public static final Setting<DataSize> MAX_MESSAGE_SIZE = Setting.size("muc.max-message-size", DataSize.parse("32KiB"),
            "Largest groupchat message a room accepts (larger ones get a policy-violation error).");
    public static final Setting<Integer> HISTORY_SIZE = Setting.integer("muc.history-size", 50, 0, 1000,
            "Messages a room keeps in memory and sends at most as history on join.");
    public static final Setting<Integer> MAX_OCCUPANTS = Setting.integer("muc.max-occupants", 1000, 1, 1_000_000,
            "Most occupants a room admits (a room's maxusers may be lower; admins and owners always get in).");
    public static final Setting<Integer> JOIN_RATE = Setting.integer("muc.joins-per-minute", 60, 1, 1_000_000,
            "Joins one user may make per minute across all rooms (more get a policy-violation error).");
    public static final Setting<Integer> LANES = Setting.integer("muc.lanes", 0, 0, 1024,
            "Threads that run room logic (a room always runs on the same one); 0 means the number of cores.");
    public static final Setting<Boolean> DEFAULT_LOGGING = Setting.bool("muc.default-archive", true,
            "Whether new rooms keep a message archive (XEP-0313) until their owner changes it.");
    public static final Setting<Boolean> DEFAULT_PERSISTENT = Setting.bool("muc.default-persistent", false,
            "Whether new rooms are persistent (kept when empty) until their owner changes it.");
    public static final Setting<Integer> MAM_MAX_PAGE = Setting.integer("muc.archive-max-page", 100, 1, 1000,
            "Most messages one room archive query returns per page.");
    public static final Setting<Integer> PENDING_REGISTRATIONS = Setting.integer("muc.pending-registrations", 100, 1,
            100_000, "Registration requests one room keeps awaiting an admin's approval (more get resource-constraint).");

    /** Who may create rooms. */
    public enum CreateRooms { LOCAL, ANYONE }

    private final Function<Storage, MucRoomStore> stores;
    private MucService service;
    /** Wraps the cluster's key ownership (tests place rooms on other nodes). */
    private UnaryOperator<KeyOwnership> ownership = UnaryOperator.identity();

    /** With rooms kept in memory (lost at restart). */
    public MucModule() {
        this(new InMemoryMucRoomStore());
    }

    /** With the given store for persistent rooms. */
    public MucModule(MucRoomStore store) {
        Objects.requireNonNull(store);
        this.stores = s -> store;
    }

    /**
     * With the store taken from the server's storage at start, for a module list built before the
     * storage exists: {@code new MucModule(Storage::mucRooms)}.
     */
    public MucModule(Function<Storage, MucRoomStore> fromStorage) {
        this.stores = Objects.requireNonNull(fromStorage);
    }

    @Override
    public String name() {
        return "muc";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(DOMAIN, CREATE_ROOMS, ROOMS_PER_USER, MAX_MESSAGE_SIZE, HISTORY_SIZE, MAX_OCCUPANTS, JOIN_RATE,
                LANES, DEFAULT_LOGGING, DEFAULT_PERSISTENT, MAM_MAX_PAGE, PENDING_REGISTRATIONS);
    }

    @Override
    public void start(ModuleContext ctx) throws Exception {
        var c = ctx.config();
        String domain = c.get(DOMAIN).isBlank() ? "conference." + ctx.domain() : c.get(DOMAIN).trim();
        domain = Jid.enforceDomain(domain);
        int lanes = c.get(LANES) == 0 ? Runtime.getRuntime().availableProcessors() : c.get(LANES);
        long maxSize = Math.min(Integer.MAX_VALUE, c.get(MAX_MESSAGE_SIZE).bytes());
        MucService.Limits limits = new MucService.Limits(c.get(HISTORY_SIZE), (int) maxSize, c.get(MAX_OCCUPANTS),
                c.get(ROOMS_PER_USER), c.get(JOIN_RATE), c.get(MAM_MAX_PAGE), c.get(CREATE_ROOMS) == CreateRooms.LOCAL,
                c.get(DEFAULT_LOGGING), c.get(DEFAULT_PERSISTENT), c.get(PENDING_REGISTRATIONS));
        MucRoomStore store = Objects.requireNonNull(stores.apply(ctx.storage()), "room store");
        MucService.Placement placement = new MucService.Placement(
                ownership.apply(ctx.keyOwnership()), ctx.cluster().self(), ctx.nodeMessenger());
        MucService s = new MucService(domain, ctx.domain(), ctx.router(), store, ctx.storage().archive(), ctx.clock(),
                limits, lanes, ctx.serverSecret(), placement);
        s.load();
        ctx.router().addComponent(s);
        ctx.disco().addServerItems(() -> List.of(s.item()));
        this.service = s;
    }

    @Override
    public void stop() {
        if (service != null) {
            service.stop();
        }
    }

    /** Decides which node owns each room in place of the cluster's ownership (before start; for tests). */
    MucModule withOwnership(UnaryOperator<KeyOwnership> wrap) {
        this.ownership = Objects.requireNonNull(wrap);
        return this;
    }

    /** The running service (after start; for tests). */
    MucService service() {
        return service;
    }

    /** The service's domain (after start). */
    public String domain() {
        return service.domain();
    }

    /** Rooms currently held (for the admin console and tests). */
    public int roomCount() {
        return service.roomCount();
    }
}
