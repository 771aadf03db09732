-- Every row is keyed by tenant ("platform:community") so communities never see each other's data.
CREATE TABLE processed_events (
    tenant TEXT NOT NULL, event_id TEXT NOT NULL, seen_at TEXT NOT NULL,
    PRIMARY KEY (tenant, event_id)
) WITHOUT ROWID;

CREATE TABLE communities (
    tenant TEXT PRIMARY KEY,
    config TEXT NOT NULL DEFAULT '{}',
    rating_sum INTEGER NOT NULL DEFAULT 0,
    rating_n INTEGER NOT NULL DEFAULT 0,
    prior_mean REAL NOT NULL DEFAULT 3.0
);

CREATE TABLE users (
    tenant TEXT NOT NULL, user_id TEXT NOT NULL, display_name TEXT NOT NULL DEFAULT '',
    opted_out INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, user_id)
) WITHOUT ROWID;

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, channel_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,
    state TEXT NOT NULL, created_at TEXT NOT NULL
);
CREATE INDEX rounds_open ON rounds (tenant, channel_id, status);

CREATE TABLE posts (
    tenant TEXT NOT NULL, message_id TEXT NOT NULL, round_id INTEGER, ref TEXT NOT NULL,
    PRIMARY KEY (tenant, message_id)
) WITHOUT ROWID;
CREATE INDEX posts_ref ON posts (tenant, ref);

CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL, round_id INTEGER NOT NULL REFERENCES rounds (id), q_index INTEGER NOT NULL,
    question_id TEXT NOT NULL, category TEXT NOT NULL, user_id TEXT NOT NULL,
    channel_id TEXT NOT NULL, message_id TEXT, text TEXT NOT NULL, created_at TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0, withdrawn INTEGER NOT NULL DEFAULT 0,
    streak_points INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX answers_one_per_question ON answers (round_id, q_index, user_id);
CREATE INDEX answers_message ON answers (tenant, message_id);
CREATE INDEX answers_user ON answers (tenant, user_id);

CREATE TABLE ratings (
    tenant TEXT NOT NULL,
    answer_id INTEGER NOT NULL REFERENCES answers (id),
    rater_id TEXT NOT NULL,
    dimension TEXT NOT NULL,  -- '' for the overall rating from a reaction
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, rater_id, dimension)
) WITHOUT ROWID;
CREATE INDEX ratings_rater ON ratings (tenant, rater_id);

CREATE TABLE feedback (
    answer_id INTEGER NOT NULL REFERENCES answers (id), rater_id TEXT NOT NULL,
    keep TEXT NOT NULL DEFAULT '', stop TEXT NOT NULL DEFAULT '', start TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (answer_id, rater_id)
) WITHOUT ROWID;

-- Leaderboard aggregates, one row per (scope, period, user); scope is 'c:<channel>' or '*'.
CREATE TABLE board (
    tenant TEXT NOT NULL, scope TEXT NOT NULL, period TEXT NOT NULL, user_id TEXT NOT NULL,
    answers INTEGER NOT NULL DEFAULT 0, received_sum INTEGER NOT NULL DEFAULT 0,
    received_n INTEGER NOT NULL DEFAULT 0, given INTEGER NOT NULL DEFAULT 0,
    streak_points INTEGER NOT NULL DEFAULT 0, score REAL NOT NULL DEFAULT 0,
    hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, scope, period, user_id)
) WITHOUT ROWID;
CREATE INDEX board_rank ON board (tenant, scope, period, hidden, score);

CREATE TABLE given_daily (
    tenant TEXT NOT NULL, user_id TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_id, day)
) WITHOUT ROWID;

-- Weak-area aggregates: area is 'category:<id>' or 'dimension:<id>'.
CREATE TABLE skills (
    tenant TEXT NOT NULL, user_id TEXT NOT NULL, area TEXT NOT NULL, day TEXT NOT NULL,
    n INTEGER NOT NULL, total INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_id, area, day)
) WITHOUT ROWID;

CREATE TABLE streaks (
    tenant TEXT NOT NULL, channel_id TEXT NOT NULL, user_id TEXT NOT NULL,
    length INTEGER NOT NULL, last_day TEXT NOT NULL,
    PRIMARY KEY (tenant, channel_id, user_id)
) WITHOUT ROWID;

CREATE TABLE qotd_schedules (
    tenant TEXT NOT NULL, channel_id TEXT NOT NULL, spec TEXT NOT NULL,
    PRIMARY KEY (tenant, channel_id)
) WITHOUT ROWID;

CREATE TABLE qotd_history (
    tenant TEXT NOT NULL, channel_id TEXT NOT NULL, question_id TEXT NOT NULL, posted_at TEXT NOT NULL,
    PRIMARY KEY (tenant, channel_id, question_id)
) WITHOUT ROWID;

CREATE TABLE timers (
    key TEXT PRIMARY KEY, tenant TEXT NOT NULL, channel_id TEXT NOT NULL, due TEXT NOT NULL,
    kind TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE INDEX timers_due ON timers (due);

CREATE TABLE disabled_questions (
    tenant TEXT NOT NULL, question_id TEXT NOT NULL, PRIMARY KEY (tenant, question_id)
) WITHOUT ROWID;

CREATE TABLE community_banks (
    tenant TEXT NOT NULL, bank_id TEXT NOT NULL, yaml TEXT NOT NULL, imported_at TEXT NOT NULL,
    PRIMARY KEY (tenant, bank_id)
) WITHOUT ROWID;

CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, user_id TEXT NOT NULL, text TEXT NOT NULL,
    created_at TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending'
);

CREATE TABLE practice (
    tenant TEXT NOT NULL, user_id TEXT NOT NULL, question_id TEXT NOT NULL, round_id INTEGER NOT NULL,
    PRIMARY KEY (tenant, user_id)
) WITHOUT ROWID;
