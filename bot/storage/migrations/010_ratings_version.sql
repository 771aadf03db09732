-- Rater calibration is cached per community (bot.core.calibration_cache) and must be computed
-- again after any change to the community's ratings, by any process or writer: a new rating,
-- a re-rating with another score (the count stays the same), a removal, a withdrawn answer's
-- ratings, an erasure. ratings_version counts those changes: one indexed read tells a cache
-- whether it still holds. Triggers, so that no writer can forget it (db copy switches them off
-- and copies the counter as it is).
ALTER TABLE communities ADD COLUMN ratings_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER ratings_version_insert AFTER INSERT ON ratings
BEGIN
    INSERT INTO communities (tenant, ratings_version) VALUES (new.tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET ratings_version = communities.ratings_version + 1;
END;

-- A row's tenant never changes (an answer belongs to one community), so the new one is counted.
CREATE TRIGGER ratings_version_update AFTER UPDATE ON ratings
BEGIN
    INSERT INTO communities (tenant, ratings_version) VALUES (new.tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET ratings_version = communities.ratings_version + 1;
END;

CREATE TRIGGER ratings_version_delete AFTER DELETE ON ratings
BEGIN
    INSERT INTO communities (tenant, ratings_version) VALUES (old.tenant, 1)
    ON CONFLICT (tenant) DO UPDATE SET ratings_version = communities.ratings_version + 1;
END;
