-- Switchboard schema, version 5: nicks registered with group chat rooms (XEP-0045 §7.10). A
-- registered nick is reserved in its room: nobody else may join or register under it.
-- nick_key is the nick as compared (MucRoomRecord.nickKey: NFKC, lower case), computed by the
-- server so that PostgreSQL and the in-memory store agree; its unique index makes a second
-- reservation of the same nick in one room impossible even across servers sharing the database.

CREATE TABLE muc_registered_nick (
    room     text COLLATE "C" NOT NULL REFERENCES muc_room (room) ON DELETE CASCADE,
    jid      text COLLATE "C" NOT NULL,
    nick     text             NOT NULL,
    nick_key text COLLATE "C" NOT NULL,
    PRIMARY KEY (room, jid)
);

CREATE UNIQUE INDEX muc_registered_nick_unique ON muc_registered_nick (room, nick_key);
