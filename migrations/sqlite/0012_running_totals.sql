-- Running totals, so that pages showing them cost the same however many
-- residents a landlord has. Votes and supporters are counted by the code
-- that records them, in the same transaction. Members and requests to join
-- are written from several places (joining, invitations, deleting an
-- account, the admin command), so the database keeps their counts itself.

-- Votes for each topic in a round.
CREATE TABLE topic_tallies (
    round_id     BIGINT  NOT NULL,
    proposal_id  BIGINT  NOT NULL,
    votes        BIGINT  NOT NULL DEFAULT 0 CHECK (votes >= 0),
    PRIMARY KEY (round_id, proposal_id),
    FOREIGN KEY (round_id, proposal_id) REFERENCES round_topics(round_id, proposal_id) ON DELETE CASCADE
);
INSERT INTO topic_tallies (round_id, proposal_id, votes)
SELECT t.round_id, t.proposal_id,
       (SELECT COUNT(*) FROM votes v WHERE v.round_id = t.round_id AND v.proposal_id = t.proposal_id)
FROM round_topics t;

-- Residents with at least one vote in a round.
CREATE TABLE round_tallies (
    round_id  BIGINT  NOT NULL PRIMARY KEY REFERENCES voting_rounds(id) ON DELETE CASCADE,
    voters    BIGINT  NOT NULL DEFAULT 0 CHECK (voters >= 0)
);
INSERT INTO round_tallies (round_id, voters)
SELECT r.id, (SELECT COUNT(*) FROM ballots b WHERE b.round_id = r.id AND b.votes_used > 0)
FROM voting_rounds r;

ALTER TABLE proposals ADD COLUMN supporters BIGINT NOT NULL DEFAULT 0 CHECK (supporters >= 0);
UPDATE proposals SET supporters = (SELECT COUNT(*) FROM proposal_supporters s WHERE s.proposal_id = proposals.id);

-- Members are listed by name a page at a time. The name is copied here so
-- one index gives a landlord's members in order.
ALTER TABLE memberships ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
UPDATE memberships SET sort_name = COALESCE((SELECT display_name FROM users WHERE users.id = memberships.user_id), '');
CREATE INDEX memberships_by_name ON memberships (organisation_id, sort_name, user_id, role);
CREATE TRIGGER memberships_take_name AFTER INSERT ON memberships
BEGIN
    UPDATE memberships SET sort_name = COALESCE((SELECT display_name FROM users WHERE id = NEW.user_id), '')
    WHERE user_id = NEW.user_id AND organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER users_renamed AFTER UPDATE OF display_name ON users
BEGIN
    UPDATE memberships SET sort_name = NEW.display_name WHERE user_id = NEW.id;
END;

-- Requests waiting, oldest first, a page at a time.
DROP INDEX join_requests_by_organisation;
CREATE INDEX join_requests_by_organisation ON join_requests (organisation_id, status, created_at, id);

CREATE TABLE organisation_counts (
    organisation_id   BIGINT  NOT NULL PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    members           BIGINT  NOT NULL DEFAULT 0 CHECK (members >= 0),
    pending_requests  BIGINT  NOT NULL DEFAULT 0 CHECK (pending_requests >= 0)
);
INSERT INTO organisation_counts (organisation_id, members, pending_requests)
SELECT o.id,
       (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id),
       (SELECT COUNT(*) FROM join_requests r WHERE r.organisation_id = o.id AND r.status = 'pending')
FROM organisations o;
CREATE TRIGGER organisations_counted AFTER INSERT ON organisations
BEGIN
    INSERT INTO organisation_counts (organisation_id) VALUES (NEW.id);
END;
CREATE TRIGGER memberships_counted_in AFTER INSERT ON memberships
BEGIN
    UPDATE organisation_counts SET members = members + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER memberships_counted_out AFTER DELETE ON memberships
BEGIN
    UPDATE organisation_counts SET members = members - 1 WHERE organisation_id = OLD.organisation_id;
END;
CREATE TRIGGER join_requests_counted_in AFTER INSERT ON join_requests WHEN NEW.status = 'pending'
BEGIN
    UPDATE organisation_counts SET pending_requests = pending_requests + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER join_requests_counted_decided AFTER UPDATE OF status ON join_requests
WHEN (OLD.status = 'pending') <> (NEW.status = 'pending')
BEGIN
    UPDATE organisation_counts
    SET pending_requests = pending_requests + CASE WHEN NEW.status = 'pending' THEN 1 ELSE -1 END
    WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER join_requests_counted_out AFTER DELETE ON join_requests WHEN OLD.status = 'pending'
BEGIN
    UPDATE organisation_counts SET pending_requests = pending_requests - 1 WHERE organisation_id = OLD.organisation_id;
END;
