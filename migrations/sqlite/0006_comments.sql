-- Comments on proposals, recommendations and commitments: one level of
-- replies, official responses from the landlord, reports and moderation.

CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    -- What it is about: a proposal (or the topic it became), a
    -- recommendation or a commitment, by id.
    subject_kind     TEXT    NOT NULL CHECK (subject_kind IN ('proposal', 'recommendation', 'commitment')),
    subject_id       BIGINT  NOT NULL,
    -- Replies point at a comment that is not itself a reply.
    parent_id        BIGINT  REFERENCES comments(id) ON DELETE CASCADE,
    author_id        BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    -- Markdown as typed; turned into HTML each time it is shown.
    body             TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    official         BIGINT  NOT NULL DEFAULT 0 CHECK (official IN (0, 1)),
    created_at       BIGINT  NOT NULL,
    edited_at        BIGINT,
    hidden_at        BIGINT,
    hidden_by        BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    hidden_reason    TEXT,
    -- When a moderator last looked at its reports and kept it visible.
    reports_kept_at  BIGINT,
    -- From the form, so a double click or a retried post makes one comment.
    submission_key   TEXT    NOT NULL,
    UNIQUE (organisation_id, submission_key)
);
CREATE INDEX comments_by_subject ON comments (subject_kind, subject_id, created_at);
CREATE INDEX comments_by_parent ON comments (parent_id);

-- What a comment said before each edit, so moderators can see it.
CREATE TABLE comment_edits (
    id           INTEGER PRIMARY KEY,
    comment_id   BIGINT  NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    body         TEXT    NOT NULL,
    replaced_at  BIGINT  NOT NULL
);

-- One report per person per comment.
CREATE TABLE comment_reports (
    comment_id   BIGINT  NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
    user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason       TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (comment_id, user_id)
);
