-- Accounts: sessions, emailed links, joining a landlord, invitations, the
-- email outbox and rate limits. Timestamps are integer UTC milliseconds.

-- Argon2 hash, for people who add a password; most sign in by emailed link.
ALTER TABLE users ADD COLUMN password_hash TEXT;
-- "Sign out of every device" raises this; sessions holding an older number end.
ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0;
-- A deleted account keeps its row, emptied, so contributions stay attributed
-- to "Former resident".
ALTER TABLE users ADD COLUMN deleted_at INTEGER;

-- tower-sessions records, shared by every app server using this database.
CREATE TABLE sessions (
    id          TEXT    PRIMARY KEY,
    data        TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Single-use links sent by email. Only a SHA-256 hash of each token is kept.
CREATE TABLE email_tokens (
    token_hash  TEXT    PRIMARY KEY,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('sign_in', 'confirm_email')),
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    -- For 'confirm_email': the address that becomes the account's on use.
    new_email   TEXT    CHECK (new_email = lower(new_email)),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX email_tokens_by_user ON email_tokens (user_id);

-- A person asking to join a landlord as a resident.
CREATE TABLE join_requests (
    id                 INTEGER PRIMARY KEY,
    user_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    organisation_id    INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    tenancy_reference  TEXT    NOT NULL CHECK (length(tenancy_reference) BETWEEN 1 AND 40),
    status             TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'declined')),
    decline_reason     TEXT,
    created_at         INTEGER NOT NULL,
    decided_at         INTEGER,
    decided_by         INTEGER REFERENCES users(id) ON DELETE SET NULL
);
-- At most one open request per person per landlord, whatever the code does.
CREATE UNIQUE INDEX join_requests_one_pending ON join_requests (user_id, organisation_id) WHERE status = 'pending';
CREATE INDEX join_requests_by_organisation ON join_requests (organisation_id, status, created_at);

CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    organisation_id  INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email            TEXT    NOT NULL CHECK (email = lower(email)),
    role             TEXT    NOT NULL CHECK (role IN ('resident', 'panel_member', 'panel_chair', 'landlord_staff', 'landlord_admin')),
    token_hash       TEXT    NOT NULL UNIQUE,
    invited_by       INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    accepted_by      INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX invitations_by_organisation ON invitations (organisation_id, created_at);

-- Email waiting to be delivered. Written in the same transaction as the
-- change that causes it; a worker delivers, retries and survives restarts.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    recipient        TEXT    NOT NULL,
    subject          TEXT    NOT NULL,
    body_text        TEXT    NOT NULL,
    body_html        TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    -- A worker holding the message until then; another may take it after.
    locked_until     INTEGER,
    sent_at          INTEGER,
    last_error       TEXT
);
CREATE INDEX outbox_waiting ON outbox (sent_at, next_attempt_at);

-- Fixed-window counters, in the database so every app server shares them.
CREATE TABLE rate_limits (
    bucket        TEXT    PRIMARY KEY,
    window_start  INTEGER NOT NULL,
    hits          INTEGER NOT NULL
);
