-- Rater calibration is cached per community (bot.core.calibration_cache) and must be computed
-- again after any change to the community's ratings, by any process or writer: a new rating,
-- a re-rating with another score (the count stays the same), a removal, a withdrawn answer's
-- ratings, an erasure. rating_versions counts those changes per community: one primary-key
-- read tells a cache whether it still holds. Triggers, so that no writer can forget it (db copy
-- switches them off and copies the counts as they are). A table of its own, not a column of
-- communities: that row is rewritten by settings and the rating sums, this one only here. The
-- count moves in the rating's own transaction: another process sees both at once.
CREATE TABLE rating_versions (
    tenant TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);

INSERT INTO rating_versions (tenant, version) SELECT tenant, COUNT(*) FROM ratings GROUP BY tenant;

CREATE FUNCTION rating_versions_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A row's tenant never changes (an answer belongs to one community): on UPDATE, NEW's.
    INSERT INTO rating_versions (tenant, version)
    VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD.tenant ELSE NEW.tenant END, 1)
    ON CONFLICT (tenant) DO UPDATE SET version = rating_versions.version + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER rating_versions_insert AFTER INSERT ON ratings FOR EACH ROW EXECUTE FUNCTION rating_versions_count();
CREATE TRIGGER rating_versions_update AFTER UPDATE ON ratings FOR EACH ROW EXECUTE FUNCTION rating_versions_count();
CREATE TRIGGER rating_versions_delete AFTER DELETE ON ratings FOR EACH ROW EXECUTE FUNCTION rating_versions_count();
