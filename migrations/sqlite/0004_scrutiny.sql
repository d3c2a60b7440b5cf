-- Scrutiny: residents propose topics, the panel screens them, residents vote
-- in rounds, and the panel takes on the chosen topics.

CREATE TABLE proposals (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    proposer_id      BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    problem          TEXT    NOT NULL CHECK (length(problem) BETWEEN 1 AND 4000),
    why_it_matters   TEXT    NOT NULL CHECK (length(why_it_matters) BETWEEN 1 AND 4000),
    -- The measure or commitment it concerns, if any.
    measure_code     TEXT,
    commitment_id    BIGINT  REFERENCES commitments(id) ON DELETE SET NULL,
    status           TEXT    NOT NULL DEFAULT 'submitted'
                     CHECK (status IN ('submitted', 'put_forward', 'merged', 'declined', 'in_vote', 'chosen', 'not_chosen')),
    merged_into      BIGINT  REFERENCES proposals(id) ON DELETE SET NULL,
    decline_reason   TEXT,
    screened_by      BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    screened_at      BIGINT,
    created_at       BIGINT  NOT NULL,
    -- From the form, so a double click or a retried post makes one proposal.
    submission_key   TEXT    NOT NULL,
    UNIQUE (organisation_id, submission_key)
);
CREATE INDEX proposals_by_organisation ON proposals (organisation_id, status, created_at);

-- People who back a proposal; the proposer first. Merging carries them over.
CREATE TABLE proposal_supporters (
    proposal_id  BIGINT  NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   BIGINT  NOT NULL,
    PRIMARY KEY (proposal_id, user_id)
);

CREATE TABLE voting_rounds (
    id                   INTEGER PRIMARY KEY,
    organisation_id      BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    title                TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 150),
    opens_at             BIGINT  NOT NULL,
    closes_at            BIGINT  NOT NULL CHECK (closes_at > opens_at),
    votes_per_resident   BIGINT  NOT NULL CHECK (votes_per_resident BETWEEN 1 AND 20),
    show_running_totals  BIGINT  NOT NULL DEFAULT 0 CHECK (show_running_totals IN (0, 1)),
    created_by           BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    created_at           BIGINT  NOT NULL,
    -- When the chair recorded which topics the panel takes on.
    decided_at           BIGINT
);
CREATE INDEX voting_rounds_by_organisation ON voting_rounds (organisation_id, closes_at);

CREATE TABLE round_topics (
    round_id     BIGINT  NOT NULL REFERENCES voting_rounds(id) ON DELETE CASCADE,
    proposal_id  BIGINT  NOT NULL REFERENCES proposals(id) ON DELETE CASCADE,
    chosen       BIGINT  NOT NULL DEFAULT 0 CHECK (chosen IN (0, 1)),
    PRIMARY KEY (round_id, proposal_id)
);

-- One vote per resident per topic, enforced here, not only in code.
CREATE TABLE votes (
    round_id     BIGINT  NOT NULL,
    proposal_id  BIGINT  NOT NULL,
    user_id      BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cast_at      BIGINT  NOT NULL,
    PRIMARY KEY (round_id, proposal_id, user_id),
    FOREIGN KEY (round_id, proposal_id) REFERENCES round_topics(round_id, proposal_id) ON DELETE CASCADE
);

-- How many of their votes each resident has used in a round. The update
-- that adds a vote only succeeds below the round's allowance, so even
-- simultaneous votes cannot go over it.
CREATE TABLE ballots (
    round_id    BIGINT  NOT NULL REFERENCES voting_rounds(id) ON DELETE CASCADE,
    user_id     BIGINT  NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    votes_used  BIGINT  NOT NULL DEFAULT 0 CHECK (votes_used >= 0),
    PRIMARY KEY (round_id, user_id)
);
