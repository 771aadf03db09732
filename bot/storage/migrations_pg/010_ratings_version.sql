-- Rater calibration is cached per community (bot.core.calibration_cache) and must be computed
-- again after any change to the community's ratings, by any process or writer: a new rating,
-- a re-rating with another score (the count stays the same), a removal, a withdrawn answer's
-- ratings, an erasure. ratings_version counts those changes: one indexed read tells a cache
-- whether it still holds. Triggers, so that no writer can forget it (db copy switches them off
-- and copies the counter as it is). The count moves inside the rating's own transaction, so
-- another process sees it exactly when it sees the rating.
ALTER TABLE communities ADD COLUMN ratings_version BIGINT NOT NULL DEFAULT 0;

CREATE FUNCTION ratings_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A row's tenant never changes (an answer belongs to one community): on UPDATE, NEW's.
    INSERT INTO communities (tenant, ratings_version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END, 1)
    ON CONFLICT (tenant) DO UPDATE SET ratings_version = communities.ratings_version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ratings_version_insert AFTER INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION ratings_version_bump();
CREATE TRIGGER ratings_version_update AFTER UPDATE ON ratings FOR EACH ROW EXECUTE FUNCTION ratings_version_bump();
CREATE TRIGGER ratings_version_delete AFTER DELETE ON ratings FOR EACH ROW EXECUTE FUNCTION ratings_version_bump();
