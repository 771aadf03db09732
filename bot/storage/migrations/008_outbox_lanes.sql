-- Several processes on one database (issue 9): a lane of the outbox (a channel, or one person's
-- notes) is delivered by one process at a time, which holds its lease; a process that dies
-- leaves a lease that runs out, and another process takes the lane over. A lane nobody is
-- delivering has no row.
CREATE TABLE outbox_lanes (
    tenant TEXT NOT NULL,
    lane TEXT NOT NULL,
    owner TEXT NOT NULL,
    lease_until TEXT NOT NULL,
    PRIMARY KEY (tenant, lane)
) WITHOUT ROWID;
