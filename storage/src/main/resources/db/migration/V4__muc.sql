-- Switchboard schema, version 4: persistent group chat rooms (XEP-0045). Occupants, roles and
-- history are not stored here (history is the room's archive in message_archive).

CREATE TABLE muc_room (
    room       text COLLATE "C" PRIMARY KEY,
    service    text COLLATE "C" NOT NULL,
    subject    text,
    subject_by text,
    created    timestamptz      NOT NULL
);

CREATE INDEX muc_room_service ON muc_room (service, room);

-- The room configuration: muc#roomconfig field names (without the prefix) and their values.
CREATE TABLE muc_room_config (
    room  text COLLATE "C" NOT NULL REFERENCES muc_room (room) ON DELETE CASCADE,
    name  text             NOT NULL,
    value text             NOT NULL,
    PRIMARY KEY (room, name)
);

CREATE TABLE muc_affiliation (
    room        text COLLATE "C" NOT NULL REFERENCES muc_room (room) ON DELETE CASCADE,
    jid         text COLLATE "C" NOT NULL,
    affiliation text             NOT NULL CHECK (affiliation IN ('owner', 'admin', 'member', 'outcast')),
    PRIMARY KEY (room, jid)
);
