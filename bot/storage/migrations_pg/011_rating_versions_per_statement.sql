-- rating_versions (010) counted each changed rating with a trigger per row: a batch of a
-- thousand ratings (bot.storage.pg_ratings) rewrote the community's one counter row a thousand
-- times, a new row version each, most of the batch's insert. The same counts, once per
-- statement: each statement's changed rows (its transition table) counted per community.
CREATE FUNCTION rating_versions_count_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rating_versions (tenant, version)
    SELECT tenant, COUNT(*) FROM changed GROUP BY tenant ORDER BY tenant
    ON CONFLICT (tenant) DO UPDATE SET version = rating_versions.version + excluded.version;
    RETURN NULL;
END;
$$;

DROP TRIGGER rating_versions_insert ON ratings;
DROP TRIGGER rating_versions_update ON ratings;
DROP TRIGGER rating_versions_delete ON ratings;
DROP FUNCTION rating_versions_count();

-- A transition table belongs to one kind of change: a trigger each. An UPDATE counts the new
-- rows (a row's tenant never changes).
CREATE TRIGGER rating_versions_insert AFTER INSERT ON ratings
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION rating_versions_count_rows();
CREATE TRIGGER rating_versions_update AFTER UPDATE ON ratings
REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION rating_versions_count_rows();
CREATE TRIGGER rating_versions_delete AFTER DELETE ON ratings
REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION rating_versions_count_rows();
