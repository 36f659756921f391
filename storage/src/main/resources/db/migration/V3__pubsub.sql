-- Switchboard schema, version 3: personal eventing (XEP-0163) nodes of accounts and their items.

-- One row per node; the options PEP supports are columns (XEP-0060 §16.4.4 names in comments).
CREATE TABLE pubsub_node (
    owner          text COLLATE "C" NOT NULL REFERENCES user_account (jid) ON DELETE CASCADE,
    node           text COLLATE "C" NOT NULL,
    access_model   text             NOT NULL CHECK (access_model IN ('open', 'presence', 'roster', 'whitelist')), -- pubsub#access_model
    persist_items  boolean          NOT NULL,                                          -- pubsub#persist_items
    max_items      integer          NOT NULL CHECK (max_items >= 1 OR max_items = -1), -- pubsub#max_items, -1 = max
    send_last      text             NOT NULL CHECK (send_last IN ('never', 'on_sub', 'on_sub_and_presence')),
    notify_retract boolean          NOT NULL,                                          -- pubsub#notify_retract
    title          text,                                                               -- pubsub#title
    roster_groups  text[]           NOT NULL DEFAULT '{}',                             -- pubsub#roster_groups_allowed
    created        timestamptz      NOT NULL,
    PRIMARY KEY (owner, node)
);

-- Items in publication order: seq grows with every publish, and republishing an id takes a new seq
-- (it becomes the newest). Reading the newest N and trimming beyond max_items scan the order index.
CREATE SEQUENCE pubsub_item_seq;

CREATE TABLE pubsub_item (
    owner     text COLLATE "C" NOT NULL,
    node      text COLLATE "C" NOT NULL,
    id        text COLLATE "C" NOT NULL,
    seq       bigint           NOT NULL,
    publisher text,
    published timestamptz      NOT NULL,
    payload   text,
    PRIMARY KEY (owner, node, id),
    FOREIGN KEY (owner, node) REFERENCES pubsub_node (owner, node) ON DELETE CASCADE
);

CREATE INDEX pubsub_item_order ON pubsub_item (owner, node, seq);
