-- Documents uploaded to a review's evidence log, kept in the database so
-- that every app server sharing it can serve them (the same file twice in
-- one review is kept once), and the day each meeting was held.
CREATE TABLE evidence_documents (
    id            INTEGER PRIMARY KEY,
    review_id     BIGINT  NOT NULL REFERENCES scrutiny_reviews(id) ON DELETE CASCADE,
    title         TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    content       BLOB    NOT NULL,
    added_by      BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    added_at      BIGINT  NOT NULL,
    UNIQUE (review_id, sha256)
);

-- The day a meeting in the evidence log was held, as "2026-11-03" (a UK day).
ALTER TABLE review_evidence ADD COLUMN held_on TEXT;
