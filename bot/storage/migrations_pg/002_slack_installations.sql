-- PostgreSQL translation of migrations/002_slack_installations.sql. Migration 004 moves these
-- rows into adapter_state and drops the table; it is created here all the same so both engines
-- walk through the same schemas, version by version.
-- Slack workspaces that installed mockpanel over OAuth (multi-workspace HTTP mode).
-- user_id '' is the workspace's latest installation (with the bot token); other rows are the
-- installers' own. Enterprise-wide installs use team_id ''. `data` is the installation as JSON.
CREATE TABLE slack_installations (
    enterprise_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    data TEXT NOT NULL,
    installed_at TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, team_id, user_id)
);
CREATE INDEX slack_installations_team ON slack_installations (team_id, user_id, installed_at);
