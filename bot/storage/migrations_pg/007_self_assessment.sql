-- PostgreSQL translation of migrations/007_self_assessment.sql. answer_id is SQLite's INTEGER
-- PRIMARY KEY but never made by the database (it is always the rated answer's id), so it is a
-- plain BIGINT key here, not an identity column.
-- Self-assessment first (issue 13): the author's own 1-5 rating of an answer, given before any
-- peer rating of it, so /mock me can show the gap between how people see their answers and
-- how their peers do. One row per answer; pressing another score replaces it.
CREATE TABLE self_ratings (
    answer_id BIGINT PRIMARY KEY REFERENCES answers (id),
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    category TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    created_at TEXT NOT NULL
);
CREATE INDEX self_ratings_user ON self_ratings (tenant, user_id);

-- Per-person coaching choices (`/mock privacy nudges off`). A missing row means the defaults.
CREATE TABLE coaching_prefs (
    tenant TEXT NOT NULL,
    user_id TEXT NOT NULL,
    nudges INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant, user_id)
);
