package io.switchboard.muc;

import io.switchboard.form.DataForm;
import io.switchboard.jid.Jid;
import io.switchboard.stanza.StanzaError;
import io.switchboard.stanza.StanzaException;
import io.switchboard.xml.Ns;
import io.switchboard.xml.XmlElement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A room's configuration (XEP-0045 §10.2, the {@code muc#roomconfig} form). Immutable: a change
 * makes a new instance, so other threads (disco, the service's room list) may read it at any time.
 *
 * @param whoisAnyone   true: everyone sees occupants' real JIDs (non-anonymous); false: moderators only
 * @param maxUsers      0 for no limit
 * @param allowPm       anyone, participants, moderators or none
 * @param memberListFor roles that may read the member list
 * @param logging       the room keeps an archive (XEP-0313) of its messages
 * @param registration  who may register (reserve) a nick with the room (XEP-0045 §7.10):
 *                      {@code anyone} (an unaffiliated user becomes a member at once; in a
 *                      members-only room only once an admin approves, §9.9), {@code approval}
 *                      (an unaffiliated user becomes a member once an admin approves, in any room),
 *                      {@code members} (affiliated users only) or {@code none}
 * @param presenceBroadcast roles whose presence is broadcast to the other occupants
 *                      ({@code muc#roomconfig_presencebroadcast}); an occupant always gets its own
 */
public record RoomConfig(String name, String description, boolean persistent, boolean publicRoom, boolean membersOnly,
                         boolean moderated, boolean passwordProtected, String password, boolean whoisAnyone,
                         int maxUsers, boolean changeSubject, boolean allowInvites, String allowPm, boolean logging,
                         Set<Role> memberListFor, String language, String registration,
                         Set<Role> presenceBroadcast) {

    public static final String FORM_TYPE = "http://jabber.org/protocol/muc#roomconfig";
    private static final String P = "muc#roomconfig_";
    private static final List<String> PM_VALUES = List.of("anyone", "participants", "moderators", "none");
    /**
     * Not a registered {@code muc#roomconfig} field, so named with the {@code x-} prefix that
     * XEP-0068 asks of implementation-specific fields.
     */
    public static final String REGISTRATION_FIELD = "x-switchboard#roomconfig_registration";
    static final List<String> REGISTRATION_VALUES = List.of("anyone", "approval", "members", "none");
    private static final Set<Role> ALL_ROLES = Set.of(Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR);

    public RoomConfig {
        memberListFor = Set.copyOf(memberListFor);
        presenceBroadcast = Set.copyOf(presenceBroadcast);
    }

    /** The defaults of a new room. */
    public static RoomConfig defaults(boolean persistent, boolean logging) {
        return new RoomConfig("", "", persistent, true, false, false, false, "", false, 0, false, false, "anyone",
                logging, ALL_ROLES, "", "anyone", ALL_ROLES);
    }

    /** The submitted values of the form, the owners and admins fields aside. */
    public record Submission(RoomConfig config, List<Jid> owners, List<Jid> admins) {
    }

    /** The form an owner fills in (§10.2), with the current values. */
    public XmlElement form(List<Jid> owners, List<Jid> admins) {
        XmlElement.Builder x = DataForm.form("form");
        x.textChild(Ns.DATA_FORMS, "title", "Configuration of the room");
        x.child(DataForm.formTypeField(FORM_TYPE));
        x.child(DataForm.field(P + "roomname", "text-single", "Name", name));
        x.child(DataForm.field(P + "roomdesc", "text-single", "Description", description));
        x.child(DataForm.field(P + "lang", "text-single", "Language", language));
        x.child(DataForm.field(P + "persistentroom", "boolean", "Persistent (kept when empty)", DataForm.bool(persistent)));
        x.child(DataForm.field(P + "publicroom", "boolean", "Listed in the directory", DataForm.bool(publicRoom)));
        x.child(DataForm.field(P + "membersonly", "boolean", "Members only", DataForm.bool(membersOnly)));
        x.child(DataForm.field(P + "moderatedroom", "boolean", "Moderated (visitors need voice)", DataForm.bool(moderated)));
        x.child(DataForm.field(P + "passwordprotectedroom", "boolean", "Password protected", DataForm.bool(passwordProtected)));
        x.child(DataForm.field(P + "roomsecret", "text-private", "Password", password));
        x.child(listSingle(P + "whois", "Who may see real JIDs", whoisAnyone ? "anyone" : "moderators",
                List.of("moderators", "anyone")));
        x.child(listSingle(P + "maxusers", "Maximum number of occupants",
                maxUsers == 0 ? "none" : Integer.toString(maxUsers), List.of("10", "20", "30", "50", "100", "none")));
        x.child(DataForm.field(P + "changesubject", "boolean", "Occupants may change the subject", DataForm.bool(changeSubject)));
        x.child(DataForm.field(P + "allowinvites", "boolean", "Occupants may invite others", DataForm.bool(allowInvites)));
        x.child(listSingle(P + "allowpm", "Who may send private messages", allowPm, PM_VALUES));
        x.child(DataForm.field(P + "enablelogging", "boolean", "Keep an archive of the room (XEP-0313)", DataForm.bool(logging)));
        List<String> roles = wires(memberListFor);
        x.child(DataForm.field(P + "getmemberlist", "list-multi", "Roles that may read the member list", roles,
                DataForm.labelledOptions(List.of("moderator", "participant", "visitor"))));
        x.child(DataForm.field(P + "presencebroadcast", "list-multi", "Roles whose presence is broadcast",
                wires(presenceBroadcast), DataForm.labelledOptions(List.of("moderator", "participant", "visitor"))));
        x.child(listSingle(REGISTRATION_FIELD, "Who may register a nickname (anyone: with approval in members-only rooms)",
                registration, REGISTRATION_VALUES));
        x.child(DataForm.field(P + "roomadmins", "jid-multi", "Admins", admins == null ? List.of()
                : admins.stream().map(Jid::toString).toList(), null));
        x.child(DataForm.field(P + "roomowners", "jid-multi", "Owners", owners == null ? List.of()
                : owners.stream().map(Jid::toString).toList(), null));
        return x.build();
    }

    private static XmlElement listSingle(String var, String label, String value, List<String> options) {
        return DataForm.field(var, "list-single", label, List.of(value), DataForm.labelledOptions(options));
    }

    /** The roles of a set as wire values, highest first. */
    static List<String> wires(Set<Role> set) {
        List<String> out = new ArrayList<>();
        for (Role r : List.of(Role.MODERATOR, Role.PARTICIPANT, Role.VISITOR)) {
            if (set.contains(r)) {
                out.add(r.wire());
            }
        }
        return out;
    }

    /**
     * Applies a submitted form. Absent fields keep their value.
     *
     * @throws StanzaException not-acceptable for invalid values (§10.2: "the service MUST ... return a
     *                         not-acceptable error")
     */
    public Submission apply(XmlElement form) throws StanzaException {
        Map<String, List<String>> v = DataForm.values(form);
        String type = DataForm.formType(form);
        if (type != null && !FORM_TYPE.equals(type)) {
            throw new StanzaException(StanzaError.notAcceptable("not a room configuration form"));
        }
        String newName = text(v, "roomname", name, 256);
        String newDesc = text(v, "roomdesc", description, 2048);
        String newLang = text(v, "lang", language, 64);
        boolean newPersistent = bool(v, "persistentroom", persistent);
        boolean newPublic = bool(v, "publicroom", publicRoom);
        boolean newMembersOnly = bool(v, "membersonly", membersOnly);
        boolean newModerated = bool(v, "moderatedroom", moderated);
        boolean newProtected = bool(v, "passwordprotectedroom", passwordProtected);
        String newPassword = text(v, "roomsecret", password, 256);
        boolean newWhois = whoisAnyone;
        String w = first(v, "whois");
        if (w != null) {
            if (!w.equals("anyone") && !w.equals("moderators")) {
                throw new StanzaException(StanzaError.notAcceptable("whois is anyone or moderators"));
            }
            newWhois = w.equals("anyone");
        }
        int newMax = maxUsers;
        String m = first(v, "maxusers");
        if (m != null) {
            if (m.isEmpty() || m.equals("none") || m.equals("0")) {
                newMax = 0;
            } else {
                try {
                    newMax = Integer.parseInt(m.trim());
                } catch (NumberFormatException e) {
                    throw new StanzaException(StanzaError.notAcceptable("maxusers is a number or none"));
                }
                if (newMax < 1) {
                    throw new StanzaException(StanzaError.notAcceptable("maxusers must be positive"));
                }
            }
        }
        boolean newChange = bool(v, "changesubject", changeSubject);
        boolean newInvites = bool(v, "allowinvites", allowInvites);
        String newPm = allowPm;
        String pm = first(v, "allowpm");
        if (pm != null) {
            if (!PM_VALUES.contains(pm)) {
                throw new StanzaException(StanzaError.notAcceptable("allowpm is one of " + PM_VALUES));
            }
            newPm = pm;
        }
        boolean newLogging = bool(v, "enablelogging", logging);
        Set<Role> newList = roles(v.get(P + "getmemberlist"), memberListFor, false);
        // Some clients send "none" (the role of an occupant that left) among the broadcast roles: ignored.
        Set<Role> newBroadcast = roles(v.get(P + "presencebroadcast"), presenceBroadcast, true);
        String newRegistration = registration;
        List<String> reg = v.get(REGISTRATION_FIELD);
        if (reg != null) {
            String r = reg.isEmpty() ? "" : reg.get(0).trim();
            if (!REGISTRATION_VALUES.contains(r)) {
                throw new StanzaException(StanzaError.notAcceptable("registration is one of " + REGISTRATION_VALUES));
            }
            newRegistration = r;
        }
        if (newProtected && newPassword.isEmpty()) {
            throw new StanzaException(StanzaError.notAcceptable("a password protected room needs a password"));
        }
        RoomConfig c = new RoomConfig(newName, newDesc, newPersistent, newPublic, newMembersOnly, newModerated,
                newProtected, newPassword, newWhois, newMax, newChange, newInvites, newPm, newLogging, newList, newLang,
                newRegistration, newBroadcast);
        return new Submission(c, jids(v.get(P + "roomowners")), jids(v.get(P + "roomadmins")));
    }

    private static Set<Role> roles(List<String> values, Set<Role> current, boolean ignoreNone) throws StanzaException {
        if (values == null) {
            return current;
        }
        Set<Role> s = new LinkedHashSet<>();
        for (String r : values) {
            Role role = Role.parse(r.trim());
            if (role == Role.NONE && ignoreNone) {
                continue;
            }
            if (role == null || role == Role.NONE) {
                throw new StanzaException(StanzaError.notAcceptable("unknown role " + r));
            }
            s.add(role);
        }
        return s;
    }

    private static List<Jid> jids(List<String> values) throws StanzaException {
        if (values == null) {
            return null;
        }
        List<Jid> out = new ArrayList<>();
        for (String s : values) {
            if (s.isBlank()) {
                continue;
            }
            Jid j = Jid.tryOf(s.trim()).orElseThrow(() -> new StanzaException(StanzaError.jidMalformed("invalid JID " + s)));
            out.add(j.bare());
        }
        return out;
    }

    private static String first(Map<String, List<String>> v, String field) {
        List<String> l = v.get(P + field);
        return l == null ? null : l.isEmpty() ? "" : l.get(0);
    }

    private static String text(Map<String, List<String>> v, String field, String current, int max) throws StanzaException {
        String s = first(v, field);
        if (s == null) {
            return current;
        }
        if (s.length() > max) {
            throw new StanzaException(StanzaError.notAcceptable(field + " is too long"));
        }
        return s;
    }

    private static boolean bool(Map<String, List<String>> v, String field, boolean current) throws StanzaException {
        String s = first(v, field);
        if (s == null) {
            return current;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "1", "true" -> true;
            case "0", "false", "" -> false;
            default -> throw new StanzaException(StanzaError.notAcceptable(field + " is a boolean"));
        };
    }

    /** For storage: field names without the prefix to values. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("roomname", name);
        m.put("roomdesc", description);
        m.put("lang", language);
        m.put("persistentroom", DataForm.bool(persistent));
        m.put("publicroom", DataForm.bool(publicRoom));
        m.put("membersonly", DataForm.bool(membersOnly));
        m.put("moderatedroom", DataForm.bool(moderated));
        m.put("passwordprotectedroom", DataForm.bool(passwordProtected));
        m.put("roomsecret", password);
        m.put("whois", whoisAnyone ? "anyone" : "moderators");
        m.put("maxusers", Integer.toString(maxUsers));
        m.put("changesubject", DataForm.bool(changeSubject));
        m.put("allowinvites", DataForm.bool(allowInvites));
        m.put("allowpm", allowPm);
        m.put("enablelogging", DataForm.bool(logging));
        m.put("getmemberlist", String.join(",", memberListFor.stream().map(Role::wire).sorted().toList()));
        m.put("presencebroadcast", String.join(",", presenceBroadcast.stream().map(Role::wire).sorted().toList()));
        m.put("registration", registration);
        return m;
    }

    /** From storage; unknown or missing keys take the defaults. */
    public static RoomConfig fromMap(Map<String, String> m) {
        RoomConfig d = defaults(true, false);
        Set<Role> list = roleSet(m.getOrDefault("getmemberlist", "moderator,participant,visitor"));
        Set<Role> broadcast = roleSet(m.getOrDefault("presencebroadcast", "moderator,participant,visitor"));
        // Rooms stored before a field existed lack its key (List.contains(null) would throw).
        String registration = oneOf(m.get("registration"), REGISTRATION_VALUES, "anyone");
        int max;
        try {
            max = Integer.parseInt(m.getOrDefault("maxusers", "0"));
        } catch (NumberFormatException e) {
            max = 0;
        }
        return new RoomConfig(m.getOrDefault("roomname", d.name), m.getOrDefault("roomdesc", d.description),
                b(m, "persistentroom", true), b(m, "publicroom", d.publicRoom), b(m, "membersonly", false),
                b(m, "moderatedroom", false), b(m, "passwordprotectedroom", false), m.getOrDefault("roomsecret", ""),
                "anyone".equals(m.get("whois")), max, b(m, "changesubject", false), b(m, "allowinvites", false),
                oneOf(m.get("allowpm"), PM_VALUES, "anyone"), b(m, "enablelogging", false), list,
                m.getOrDefault("lang", ""), registration, broadcast);
    }

    private static String oneOf(String value, List<String> allowed, String def) {
        return value != null && allowed.contains(value) ? value : def;
    }

    private static Set<Role> roleSet(String joined) {
        Set<Role> out = new LinkedHashSet<>();
        for (String r : joined.split(",")) {
            Role role = Role.parse(r.trim());
            if (role != null && role != Role.NONE) {
                out.add(role);
            }
        }
        return out;
    }

    private static boolean b(Map<String, String> m, String k, boolean def) {
        String s = m.get(k);
        return s == null ? def : s.equals("1") || s.equals("true");
    }
}
