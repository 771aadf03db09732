-- Rater calibration is cached per community (bot.core.calibration_cache) and must be computed
-- again after any change to the community's ratings, by any process or writer: a new rating,
-- a re-rating with another score (the count stays the same), a removal, a withdrawn answer's
-- ratings, an erasure. rating_versions counts those changes per community: one primary-key
-- read tells a cache whether it still holds. Triggers, so that no writer can forget it (db copy
-- switches them off and copies the counts as they are). A table of its own, not a column of
-- communities: that row is rewritten by settings and the rating sums, this one only here.
CREATE TABLE rating_versions (
    tenant TEXT PRIMARY KEY,
    version INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO rating_versions (tenant, version) SELECT tenant, COUNT(*) FROM ratings GROUP BY tenant;

CREATE TRIGGER rating_versions_insert AFTER INSERT ON ratings
BEGIN
    INSERT INTO rating_versions (tenant, version) VALUES (new.tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET version = rating_versions.version + 1;
END;

-- A row's tenant never changes (an answer belongs to one community), so the new one is counted.
CREATE TRIGGER rating_versions_update AFTER UPDATE ON ratings
BEGIN
    INSERT INTO rating_versions (tenant, version) VALUES (new.tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET version = rating_versions.version + 1;
END;

CREATE TRIGGER rating_versions_delete AFTER DELETE ON ratings
BEGIN
    INSERT INTO rating_versions (tenant, version) VALUES (old.tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET version = rating_versions.version + 1;
END;
