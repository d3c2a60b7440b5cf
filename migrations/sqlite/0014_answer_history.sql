-- The public record keeps every earlier version of a published answer: the
-- landlord's answer to a recommendation (with its action, owner and due
-- date), an official response among the comments, and either side's
-- verdict on a commitment. One row per change, holding the wording it
-- replaced and the reason given; public pages show them as "Changed on".
CREATE TABLE answer_changes (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    subject_kind     TEXT    NOT NULL CHECK (subject_kind IN ('recommendation', 'comment', 'assessment')),
    -- The recommendation, the comment, or the commitment.
    subject_id       BIGINT  NOT NULL,
    -- For a verdict, which one ("2025:landlord"); empty otherwise.
    part             TEXT    NOT NULL DEFAULT '',
    -- The earlier wording, as JSON pairs of label and text.
    earlier          TEXT    NOT NULL,
    reason           TEXT    NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    -- A due date that moved, from when to when.
    due_from         BIGINT,
    due_to           BIGINT,
    changed_by       BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    changed_at       BIGINT  NOT NULL
);
CREATE INDEX answer_changes_by_subject ON answer_changes (subject_kind, subject_id, changed_at);

-- When a recommendation was first answered, so a late answer stays late
-- on the record whatever later changes say.
ALTER TABLE recommendations ADD COLUMN first_responded_at BIGINT;
UPDATE recommendations SET first_responded_at = responded_at;

-- A year's verdicts close when its annual review is published; views
-- after that are added beside them, dated, and never replace them.
CREATE TABLE later_views (
    id               INTEGER PRIMARY KEY,
    organisation_id  BIGINT  NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    commitment_id    BIGINT  NOT NULL REFERENCES commitments(id) ON DELETE CASCADE,
    year             BIGINT  NOT NULL,
    side             TEXT    NOT NULL CHECK (side IN ('landlord', 'panel')),
    rating           TEXT    NOT NULL CHECK (rating IN ('kept', 'partly_kept', 'not_kept')),
    evidence         TEXT    NOT NULL CHECK (length(evidence) BETWEEN 1 AND 4000),
    added_by         BIGINT  REFERENCES users(id) ON DELETE SET NULL,
    added_at         BIGINT  NOT NULL
);
CREATE INDEX later_views_by_commitment ON later_views (commitment_id, year, added_at);

CREATE TRIGGER answer_changes_public_insert AFTER INSERT ON answer_changes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER answer_changes_public_update AFTER UPDATE ON answer_changes
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER answer_changes_public_delete AFTER DELETE ON answer_changes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER later_views_public_insert AFTER INSERT ON later_views
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER later_views_public_update AFTER UPDATE ON later_views
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER later_views_public_delete AFTER DELETE ON later_views
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;
