-- Several processes share one inbox (PostgreSQL): a row belongs to the process that received
-- it for as long as that process keeps renewing its lease; a row whose lease has run out (its
-- process died) is claimed by another process and worked off there.
ALTER TABLE inbox ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE inbox ADD COLUMN lease_until TEXT NOT NULL DEFAULT '';
CREATE INDEX inbox_by_lease ON inbox (source, lease_until);
CREATE INDEX inbox_by_owner ON inbox (owner);
