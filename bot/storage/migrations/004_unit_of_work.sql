-- One event, one transaction (wave 2). Round state carries a version, so a writer that read
-- an older state retries instead of overwriting; everything an event sends waits in the
-- outbox until delivery; Slack events are kept in the inbox from before their ack until
-- handled; adapters keep their own state in a namespaced key-value table.
ALTER TABLE rounds ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    lane TEXT NOT NULL,              -- delivery order: rows of one lane go out one by one, in id order
    kind TEXT NOT NULL,              -- 'post' or 'notify'
    body TEXT NOT NULL,              -- the message and where it goes, as JSON
    report_to TEXT,                  -- who hears about it if it can never be delivered
    created_at TEXT NOT NULL,
    not_before TEXT NOT NULL,        -- retry time after a temporary refusal
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    status TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    message_id TEXT
);
CREATE INDEX outbox_pending ON outbox (status, not_before, id);
CREATE INDEX outbox_lane ON outbox (tenant, lane, status, id);

CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,            -- which adapter wrote it, e.g. 'slack'
    body TEXT NOT NULL,
    received_at TEXT NOT NULL
);

CREATE TABLE adapter_state (
    namespace TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (namespace, key)
) WITHOUT ROWID;

-- Slack's OAuth installations move into the adapters' own key-value space: the core's ports
-- name no platform. Key: team|user|enterprise ('' for none); value: the installation's JSON.
INSERT INTO adapter_state (namespace, key, value, updated_at)
    SELECT 'slack.installations', team_id || '|' || user_id || '|' || enterprise_id, data, installed_at
    FROM slack_installations;
DROP TABLE slack_installations;
