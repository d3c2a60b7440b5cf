-- Charter commitments and performance: local measures, results and targets
-- with their history, imports, charters, commitments and the two verdicts.
-- Figures are integers in thousandths (78.5 is 78500), the same on both
-- databases. Timestamps are integer UTC milliseconds.

-- Within this share of the target (thousandths of a per cent: 5000 = 5%),
-- a result that falls short counts as "close" rather than "missed".
ALTER TABLE organisations ADD COLUMN close_within BIGINT NOT NULL DEFAULT 5000;

-- Measures a landlord adds beside the built-in Tenant Satisfaction Measures.
CREATE TABLE local_measures (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    code             TEXT    NOT NULL CHECK (code = upper(code) AND length(code) BETWEEN 2 AND 12),
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    about            TEXT    NOT NULL DEFAULT '',
    unit             TEXT    NOT NULL CHECK (unit IN ('percent', 'per_1000_homes', 'days', 'number')),
    direction        TEXT    NOT NULL CHECK (direction IN ('higher', 'lower', 'neither')),
    created_at       BIGINT  NOT NULL,
    UNIQUE (organisation_id, code)
);

-- One row per measure part, tenure and period: the result and the target.
CREATE TABLE figures (
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    measure_code     TEXT    NOT NULL,
    -- '' for measures without parts.
    part             TEXT    NOT NULL DEFAULT '',
    tenure           TEXT    NOT NULL CHECK (tenure IN ('lcra', 'lcho')),
    year             BIGINT  NOT NULL,
    -- 0 for the whole year, else 1 to 4.
    quarter          BIGINT  NOT NULL DEFAULT 0 CHECK (quarter BETWEEN 0 AND 4),
    result           BIGINT,
    target           BIGINT,
    responses        BIGINT  CHECK (responses > 0),
    method_note      TEXT    NOT NULL DEFAULT '',
    updated_at       BIGINT  NOT NULL,
    PRIMARY KEY (organisation_id, measure_code, part, tenure, year, quarter)
);

-- Uploaded files: checked, then published or discarded. Kept as the record
-- of who imported what.
CREATE TABLE imports (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    uploaded_by      BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    uploaded_at      BIGINT  NOT NULL,
    file_name        TEXT    NOT NULL DEFAULT '',
    file_sha256      TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('rejected', 'checked', 'published', 'discarded')),
    -- The checked rows (status 'checked'), or the problems found ('rejected').
    rows_json        TEXT    NOT NULL DEFAULT '[]',
    problems_json    TEXT    NOT NULL DEFAULT '{"problems":[],"more":0}',
    row_count        BIGINT  NOT NULL DEFAULT 0,
    finished_at      BIGINT,
    summary          TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX imports_by_organisation ON imports (organisation_id, uploaded_at);

-- Every change to a published figure, so corrections stay visible.
CREATE TABLE figure_changes (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    measure_code     TEXT    NOT NULL,
    part             TEXT    NOT NULL,
    tenure           TEXT    NOT NULL,
    year             BIGINT  NOT NULL,
    quarter          BIGINT  NOT NULL,
    field            TEXT    NOT NULL CHECK (field IN ('result', 'target', 'responses')),
    old_value        BIGINT,
    new_value        BIGINT,
    reason           TEXT    NOT NULL DEFAULT '',
    import_id        BIGINT  REFERENCES imports(id) ON DELETE SET NULL,
    changed_by       BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    changed_at       BIGINT  NOT NULL
);
CREATE INDEX figure_changes_by_measure ON figure_changes (organisation_id, measure_code, changed_at);

-- A charter the landlord has adopted, such as the NHF's Together with Tenants.
CREATE TABLE charters (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    title            TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    about            TEXT    NOT NULL DEFAULT '',
    -- The template it was adopted from, if any.
    template         TEXT,
    created_at       BIGINT  NOT NULL,
    UNIQUE (organisation_id, title)
);

CREATE TABLE commitments (
    id                INTEGER PRIMARY KEY,
    charter_id        BIGINT  NOT NULL REFERENCES charters(id) ON DELETE CASCADE,
    position          BIGINT  NOT NULL,
    title             TEXT    NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    -- What tenants can expect, in plain words.
    expectation       TEXT    NOT NULL CHECK (length(expectation) BETWEEN 1 AND 4000),
    responsible_team  TEXT    NOT NULL DEFAULT '',
    -- Codes of the measures that show whether it is kept, comma-separated.
    measure_codes     TEXT    NOT NULL DEFAULT '',
    version           BIGINT  NOT NULL DEFAULT 1,
    updated_at        BIGINT  NOT NULL
);
CREATE INDEX commitments_by_charter ON commitments (charter_id, position);

-- Every version of every commitment, the first included; anyone can read it.
CREATE TABLE commitment_versions (
    commitment_id     BIGINT  NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    version           BIGINT  NOT NULL,
    title             TEXT    NOT NULL,
    expectation       TEXT    NOT NULL,
    responsible_team  TEXT    NOT NULL,
    measure_codes     TEXT    NOT NULL,
    reason            TEXT    NOT NULL DEFAULT '',
    changed_by        BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    changed_at        BIGINT  NOT NULL,
    PRIMARY KEY (commitment_id, version)
);

-- The landlord's and the tenant panel's verdicts on a commitment, per year.
CREATE TABLE assessments (
    commitment_id  BIGINT  NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    year           BIGINT  NOT NULL,
    side           TEXT    NOT NULL CHECK (side IN ('landlord', 'panel')),
    rating         TEXT    NOT NULL CHECK (rating IN ('kept', 'partly_kept', 'not_kept')),
    evidence       TEXT    NOT NULL CHECK (length(evidence) BETWEEN 1 AND 4000),
    updated_by     BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    updated_at     BIGINT  NOT NULL,
    PRIMARY KEY (commitment_id, year, side)
);
