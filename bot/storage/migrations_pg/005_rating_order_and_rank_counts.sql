-- PostgreSQL translation of migrations/005_rating_order_and_rank_counts.sql.
-- A bucket is the score truncated toward zero, as SQLite's CAST(score AS INTEGER) and Python's
-- int(score) (the batch writer's) make it; PostgreSQL's CAST rounds, hence trunc() first.
-- The latest rating change by the platform's order wins, whatever the arrival order: every
-- ordered change of one (answer, rater, dimension) is kept with its order (text that sorts as
-- the order does; '' for a rating from before orders), removals too, so a late-arriving older
-- change is put back in its place instead of overwriting a newer one.
CREATE TABLE rating_log (
    answer_id BIGINT NOT NULL, rater_id TEXT NOT NULL, dimension TEXT NOT NULL, ord TEXT NOT NULL,
    score BIGINT,  -- NULL: a removal
    expect BIGINT,  -- a removal of this score only
    PRIMARY KEY (answer_id, rater_id, dimension, ord)
);

-- How many shown rows of each board have a score in [bucket, bucket + 1): a rank is the sum of
-- the buckets above plus a count inside one bucket, not a count of every row ahead. Triggers
-- keep it exact under every write to board (opt-outs, deletions, any other writer), except
-- while the store's batch writer, which counts its own moves merged per batch, holds a row in
-- board_buckets_paused (inside its transaction only: never committed, so other transactions
-- never see it and their triggers keep counting).
CREATE TABLE board_buckets (
    tenant TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL, bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant, scope, period, bucket)
);

CREATE TABLE board_buckets_paused (writer TEXT PRIMARY KEY);

INSERT INTO board_buckets (tenant, scope, period, bucket, n)
SELECT tenant, scope, period, CAST(trunc(score) AS BIGINT), COUNT(*) FROM board WHERE hidden = 0
GROUP BY tenant, scope, period, CAST(trunc(score) AS BIGINT);

-- A trigger's WHEN cannot hold a subquery on PostgreSQL: the row conditions stay in WHEN, the
-- board_buckets_paused test opens each function.
CREATE FUNCTION board_buckets_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM board_buckets_paused) THEN
        RETURN NULL;
    END IF;
    INSERT INTO board_buckets (tenant, scope, period, bucket, n)
    VALUES (NEW.tenant, NEW.scope, NEW.period, CAST(trunc(NEW.score) AS BIGINT), 1)
    ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = board_buckets.n + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER board_buckets_insert AFTER INSERT ON board
FOR EACH ROW WHEN (NEW.hidden = 0)
EXECUTE FUNCTION board_buckets_insert();

CREATE FUNCTION board_buckets_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM board_buckets_paused) THEN
        RETURN NULL;
    END IF;
    UPDATE board_buckets SET n = n - 1
    WHERE tenant = OLD.tenant AND scope = OLD.scope AND period = OLD.period
        AND bucket = CAST(trunc(OLD.score) AS BIGINT);
    RETURN NULL;
END;
$$;
CREATE TRIGGER board_buckets_delete AFTER DELETE ON board
FOR EACH ROW WHEN (OLD.hidden = 0)
EXECUTE FUNCTION board_buckets_delete();

CREATE FUNCTION board_buckets_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM board_buckets_paused) THEN
        RETURN NULL;
    END IF;
    IF OLD.hidden = 0 THEN
        UPDATE board_buckets SET n = n - 1
        WHERE tenant = OLD.tenant AND scope = OLD.scope AND period = OLD.period
            AND bucket = CAST(trunc(OLD.score) AS BIGINT);
    END IF;
    IF NEW.hidden = 0 THEN
        INSERT INTO board_buckets (tenant, scope, period, bucket, n)
        VALUES (NEW.tenant, NEW.scope, NEW.period, CAST(trunc(NEW.score) AS BIGINT), 1)
        ON CONFLICT (tenant, scope, period, bucket) DO UPDATE SET n = board_buckets.n + 1;
    END IF;
    RETURN NULL;
END;
$$;
-- Like SQLite's UPDATE OF: fires when the statement sets score or hidden, changed or not; WHEN
-- keeps only the updates that move a shown row between buckets or show or hide one.
CREATE TRIGGER board_buckets_update AFTER UPDATE OF score, hidden ON board
FOR EACH ROW WHEN (
    (OLD.hidden = 0 OR NEW.hidden = 0)
    AND (OLD.hidden <> NEW.hidden OR CAST(trunc(OLD.score) AS BIGINT) <> CAST(trunc(NEW.score) AS BIGINT))
)
EXECUTE FUNCTION board_buckets_update();
