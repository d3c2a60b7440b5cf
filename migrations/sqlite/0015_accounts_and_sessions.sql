-- Session ids are now stored as their SHA-256 hash. Rows written before
-- hold the ids themselves (live sessions for anyone with a copy of the
-- database) and could never be found again: they go, and everyone signs
-- in once more.
DELETE FROM sessions;

-- Requests for sign-in links, waiting for the email worker: the request
-- itself only adds a row, so it takes the same path and time whether or not
-- the address has an account.
CREATE TABLE sign_in_requests (
    id          INTEGER PRIMARY KEY,
    email       TEXT    NOT NULL,
    source      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

-- An invitation taken back before it was used.
ALTER TABLE invitations ADD COLUMN withdrawn_at INTEGER;
ALTER TABLE invitations ADD COLUMN withdrawn_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
