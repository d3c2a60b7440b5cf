-- Foundation: landlords (organisations), people, their roles and the audit log.
-- Timestamps are integer UTC milliseconds, as on PostgreSQL.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE CHECK (length(slug) BETWEEN 2 AND 60),
    name        TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    summary     TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id                 INTEGER PRIMARY KEY,
    -- Stored in lower case so one address is one account.
    email              TEXT    NOT NULL UNIQUE CHECK (email = lower(email)),
    display_name       TEXT    NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    is_platform_admin  INTEGER NOT NULL DEFAULT 0 CHECK (is_platform_admin IN (0, 1)),
    created_at         INTEGER NOT NULL
);

-- One role per person per landlord; a person may belong to several landlords.
CREATE TABLE memberships (
    user_id          INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id  INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    role             TEXT    NOT NULL CHECK (role IN ('resident', 'panel_member', 'panel_chair', 'landlord_staff', 'landlord_admin')),
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (user_id, organisation_id)
);
CREATE INDEX memberships_by_organisation ON memberships (organisation_id, role);

CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    occurred_at      INTEGER NOT NULL,
    actor_user_id    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    organisation_id  INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
    action           TEXT    NOT NULL,
    -- What the action was about, such as "user:12".
    subject          TEXT    NOT NULL DEFAULT '',
    -- Where the request came from (IP address), or "cli" for commands.
    source           TEXT    NOT NULL DEFAULT '',
    details          TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_by_organisation ON audit_log (organisation_id, occurred_at);

-- Facts about the installation itself, such as whether it holds demo data.
CREATE TABLE installation (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
