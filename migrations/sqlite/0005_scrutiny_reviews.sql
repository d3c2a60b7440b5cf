-- Scrutiny reviews: the panel's work on a chosen topic, its report with
-- numbered recommendations, and the landlord's answers and progress.

-- Weeks the landlord has to answer a published report.
ALTER TABLE organisations ADD COLUMN response_weeks BIGINT NOT NULL DEFAULT 8;

CREATE TABLE scrutiny_reviews (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    -- The chosen topic it grew from, if any.
    proposal_id      BIGINT  UNIQUE REFERENCES proposals(id) ON DELETE SET NULL,
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    scope            TEXT    NOT NULL DEFAULT '',
    summary          TEXT    NOT NULL DEFAULT '',
    created_by       BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    created_at       BIGINT  NOT NULL,
    published_at     BIGINT,
    response_due_at  BIGINT
);
CREATE INDEX scrutiny_reviews_by_organisation ON scrutiny_reviews (organisation_id, created_at);

-- The evidence log: notes, links and meetings, with who added each.
CREATE TABLE review_evidence (
    id          INTEGER PRIMARY KEY,
    review_id   BIGINT  NOT NULL REFERENCES scrutiny_reviews(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('note', 'link', 'meeting')),
    title       TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body        TEXT    NOT NULL DEFAULT '',
    url         TEXT,
    added_by    BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    added_at    BIGINT  NOT NULL
);
CREATE INDEX review_evidence_by_review ON review_evidence (review_id, added_at);

CREATE TABLE recommendations (
    id            INTEGER PRIMARY KEY,
    review_id     BIGINT  NOT NULL REFERENCES scrutiny_reviews(id) ON DELETE CASCADE,
    number        BIGINT  NOT NULL,
    text          TEXT    NOT NULL CHECK (length(text) BETWEEN 1 AND 2000),
    -- The landlord's answer.
    response      TEXT    CHECK (response IN ('accepted', 'partly_accepted', 'not_accepted')),
    reason        TEXT    NOT NULL DEFAULT '',
    action        TEXT    NOT NULL DEFAULT '',
    owner         TEXT    NOT NULL DEFAULT '',
    -- The end of the day the action is due, UTC milliseconds.
    due_at        BIGINT,
    responded_by  BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    responded_at  BIGINT,
    done_at       BIGINT,
    UNIQUE (review_id, number)
);

-- Progress on an accepted recommendation, until it is done.
CREATE TABLE recommendation_updates (
    id                 INTEGER PRIMARY KEY,
    recommendation_id  BIGINT  NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
    body               TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    marks_done         BIGINT  NOT NULL DEFAULT 0 CHECK (marks_done IN (0, 1)),
    added_by           BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    added_at           BIGINT  NOT NULL
);
