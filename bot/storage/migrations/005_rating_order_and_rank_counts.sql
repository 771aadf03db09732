-- The latest rating change by the platform's order wins, whatever the arrival order: every
-- ordered change of one (answer, rater, dimension) is kept with its order (text that sorts as
-- the order does; '' for a rating from before orders), removals too, so a late-arriving older
-- change is put back in its place instead of overwriting a newer one.
CREATE TABLE rating_log (
    answer_id INTEGER NOT NULL, rater_id TEXT NOT NULL, dimension TEXT NOT NULL, ord TEXT NOT NULL,
    score INTEGER,  -- NULL: a removal
    expect INTEGER,  -- a removal of this score only
    PRIMARY KEY (answer_id, rater_id, dimension, ord)
) WITHOUT ROWID;

-- How many shown rows of each board have a score in [bucket, bucket + 1): a rank is the sum of
-- the buckets above plus a count inside one bucket, not a count of every row ahead. Triggers
-- keep it exact under every write to board (opt-outs, deletions, any other writer), except
-- while the store's batch writer, which counts its own moves merged per batch, holds a row in
-- board_buckets_paused (inside its transaction only: never committed).
CREATE TABLE board_buckets (
    tenant TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL, bucket INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tenant, scope, period, bucket)
) WITHOUT ROWID;

CREATE TABLE board_buckets_paused (writer TEXT PRIMARY KEY) WITHOUT ROWID;

INSERT INTO board_buckets (tenant, scope, period, bucket, n)
SELECT tenant, scope, period, CAST(score AS INTEGER), COUNT(*) FROM board WHERE hidden = 0
GROUP BY tenant, scope, period, CAST(score AS INTEGER);

CREATE TRIGGER board_buckets_insert AFTER INSERT ON board
WHEN new.hidden = 0 AND NOT EXISTS (SELECT 1 FROM board_buckets_paused)
BEGIN
    INSERT INTO board_buckets (tenant, scope, period, bucket, n)
    VALUES (new.tenant, new.scope, new.period, CAST(new.score AS INTEGER), 1)
    ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER board_buckets_delete AFTER DELETE ON board
WHEN old.hidden = 0 AND NOT EXISTS (SELECT 1 FROM board_buckets_paused)
BEGIN
    UPDATE board_buckets SET n = n - 1
    WHERE tenant = old.tenant AND scope = old.scope AND period = old.period AND bucket = CAST(old.score AS INTEGER);
END;

CREATE TRIGGER board_buckets_update AFTER UPDATE OF score, hidden ON board
WHEN (old.hidden = 0 OR new.hidden = 0)
    AND (old.hidden != new.hidden OR CAST(old.score AS INTEGER) != CAST(new.score AS INTEGER))
    AND NOT EXISTS (SELECT 1 FROM board_buckets_paused)
BEGIN
    UPDATE board_buckets SET n = n - 1
    WHERE old.hidden = 0 AND tenant = old.tenant AND scope = old.scope AND period = old.period
        AND bucket = CAST(old.score AS INTEGER);
    INSERT INTO board_buckets (tenant, scope, period, bucket, n)
    SELECT new.tenant, new.scope, new.period, CAST(new.score AS INTEGER), 1 WHERE new.hidden = 0
    ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = n + 1;
END;
