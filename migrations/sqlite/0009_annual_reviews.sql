-- Annual progress reviews: written each year by the tenant panel with
-- frontline staff, signed off by the panel, answered by the landlord.

CREATE TABLE annual_reviews (
    id                  INTEGER PRIMARY KEY,
    organisation_id     BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    -- The reporting year reviewed, by the year it starts in April.
    year                BIGINT  NOT NULL,
    started_by          BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    started_at          BIGINT  NOT NULL,
    sign_off_asked_at   BIGINT,
    signed_off_at       BIGINT,
    response_due_at     BIGINT,
    response            TEXT    NOT NULL DEFAULT '',
    responded_by        BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    responded_at        BIGINT,
    published_at        BIGINT,
    UNIQUE (organisation_id, year)
);

CREATE TABLE review_sections (
    id             INTEGER PRIMARY KEY,
    review_id      BIGINT  NOT NULL REFERENCES annual_reviews(id) ON DELETE CASCADE,
    position       BIGINT  NOT NULL,
    title          TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    -- For a commitment's section: the commitment, and its measures' results
    -- and targets for the year and the year before, frozen as JSON.
    commitment_id  BIGINT  REFERENCES commitments(id) ON DELETE SET NULL,
    snapshot       TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL DEFAULT 'drafting' CHECK (state IN ('drafting', 'ready', 'agreed')),
    assignee_id    BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    -- The number of the current revision (0: nothing written yet). A save
    -- moves it on only from the number it read, so no save is overwritten.
    revision       BIGINT  NOT NULL DEFAULT 0,
    removed_at     BIGINT,
    -- The landlord's response to this section, if it gives one.
    response       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX review_sections_by_review ON review_sections (review_id, position);

-- Every saved version of every section.
CREATE TABLE section_revisions (
    section_id  BIGINT  NOT NULL REFERENCES review_sections(id) ON DELETE CASCADE,
    number      BIGINT  NOT NULL,
    body        TEXT    NOT NULL,
    -- The revision the author started from, and whether their change was
    -- merged with someone else's saved in between.
    based_on    BIGINT  NOT NULL,
    merged      BIGINT  NOT NULL DEFAULT 0 CHECK (merged IN (0, 1)),
    author_id   BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    saved_at    BIGINT  NOT NULL,
    PRIMARY KEY (section_id, number)
);

-- A save that overlapped someone else's, kept until its author resolves it.
CREATE TABLE section_drafts (
    section_id  BIGINT  NOT NULL REFERENCES review_sections(id) ON DELETE CASCADE,
    author_id   BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body        TEXT    NOT NULL,
    based_on    BIGINT  NOT NULL,
    saved_at    BIGINT  NOT NULL,
    PRIMARY KEY (section_id, author_id)
);

-- Authors' notes on a section, resolved when dealt with.
CREATE TABLE section_notes (
    id           INTEGER PRIMARY KEY,
    section_id   BIGINT  NOT NULL REFERENCES review_sections(id) ON DELETE CASCADE,
    author_id    BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    body         TEXT    NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    created_at   BIGINT  NOT NULL,
    resolved_at  BIGINT,
    resolved_by  BIGINT  REFERENCES users(id) ON DELETE SET NULL
);

-- Frontline staff the panel chair invited to write with the panel.
CREATE TABLE review_authors (
    review_id   BIGINT  NOT NULL REFERENCES annual_reviews(id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    invited_by  BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    invited_at  BIGINT  NOT NULL,
    PRIMARY KEY (review_id, user_id)
);

-- Each panel member's sign-off, or dissent with a note (published).
CREATE TABLE review_sign_offs (
    review_id   BIGINT  NOT NULL REFERENCES annual_reviews(id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    decision    TEXT    NOT NULL CHECK (decision IN ('signed', 'dissent')),
    note        TEXT    NOT NULL DEFAULT '',
    decided_at  BIGINT  NOT NULL,
    PRIMARY KEY (review_id, user_id)
);
