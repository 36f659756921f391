-- Switchboard schema, version 2: the message archive (XEP-0313) and the per-user state of the
-- multi-device and mobile features (archiving preferences, block lists, vCards, push registrations,
-- FAST tokens).

-- Message archives. The owner is a user's bare JID or, for group chat, a room's JID, so there is no
-- foreign key to user_account: deleting an account deletes its archive explicitly, in the same
-- transaction. Ids are server-assigned (XEP-0359 stanza-ids), increasing within an archive; every
-- query is a range scan of the primary key or of the conversation index (keyset pagination, never
-- OFFSET), so a page costs the same on the millionth message as on the first.
CREATE TABLE message_archive (
    owner     text COLLATE "C" NOT NULL,
    id        bigint           NOT NULL,
    with_jid  text COLLATE "C" NOT NULL,
    outgoing  boolean          NOT NULL,
    at        timestamptz      NOT NULL,
    origin_id text,
    stanza    text             NOT NULL,
    PRIMARY KEY (owner, id)
);

CREATE INDEX message_archive_conversation ON message_archive (owner, with_jid, id);
CREATE INDEX message_archive_origin ON message_archive (owner, origin_id) WHERE origin_id IS NOT NULL;
-- Retention purges by time across all archives; rows arrive in time order, so a BRIN index is tiny.
CREATE INDEX message_archive_at ON message_archive USING brin (at);

-- Archiving preferences (XEP-0313 §6).
CREATE TABLE archive_preferences (
    owner        text COLLATE "C" PRIMARY KEY REFERENCES user_account (jid) ON DELETE CASCADE,
    default_mode text             NOT NULL CHECK (default_mode IN ('always', 'never', 'roster')),
    always_jids  text[]           NOT NULL DEFAULT '{}',
    never_jids   text[]           NOT NULL DEFAULT '{}'
);

-- Block lists (XEP-0191).
CREATE TABLE block_list (
    owner   text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    blocked text COLLATE "C" NOT NULL,
    PRIMARY KEY (owner, blocked)
);

-- vcard-temp (XEP-0054).
CREATE TABLE vcard (
    owner text COLLATE "C" PRIMARY KEY REFERENCES user_account (jid) ON DELETE CASCADE,
    xml   text             NOT NULL
);

-- Push registrations (XEP-0357), one per device and app server node.
CREATE TABLE push_registration (
    owner    text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    service  text COLLATE "C" NOT NULL,
    node     text             NOT NULL,
    resource text,
    options  text,
    created  timestamptz      NOT NULL,
    PRIMARY KEY (owner, service, node)
);

-- FAST tokens (XEP-0484): slot 0 is an installation's current token, slot 1 the previous one.
CREATE TABLE fast_token (
    owner     text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    agent     text             NOT NULL,
    slot      smallint         NOT NULL CHECK (slot IN (0, 1)),
    mechanism text             NOT NULL,
    token     text             NOT NULL,
    expiry    timestamptz      NOT NULL,
    count     bigint           NOT NULL,
    PRIMARY KEY (owner, agent, slot)
);
