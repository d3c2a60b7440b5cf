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

CREATE FUNCTION memberships_take_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.sort_name := COALESCE((SELECT display_name FROM users WHERE id = NEW.user_id), '');
    RETURN NEW;
END
$$;
CREATE TRIGGER memberships_take_name BEFORE INSERT ON memberships
    FOR EACH ROW EXECUTE FUNCTION memberships_take_name();

CREATE FUNCTION users_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE memberships SET sort_name = NEW.display_name WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER users_renamed AFTER UPDATE OF display_name ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
    EXECUTE FUNCTION users_renamed();

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

CREATE FUNCTION organisations_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO organisation_counts (organisation_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER organisations_counted AFTER INSERT ON organisations
    FOR EACH ROW EXECUTE FUNCTION organisations_counted();

-- Once per statement, from the rows it changed, so that adding many members
-- in one transaction updates each landlord's count once, not once a row.
CREATE FUNCTION memberships_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisation_counts c SET members = c.members + a.n
    FROM (SELECT organisation_id, COUNT(*) AS n FROM added GROUP BY organisation_id) a
    WHERE c.organisation_id = a.organisation_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_counted_in AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION memberships_counted_in();

CREATE FUNCTION memberships_counted_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisation_counts c SET members = c.members - r.n
    FROM (SELECT organisation_id, COUNT(*) AS n FROM removed GROUP BY organisation_id) r
    WHERE c.organisation_id = r.organisation_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER memberships_counted_out AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION memberships_counted_out();

CREATE FUNCTION join_requests_counted_in() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisation_counts c SET pending_requests = c.pending_requests + a.n
    FROM (SELECT organisation_id, COUNT(*) AS n FROM added WHERE status = 'pending' GROUP BY organisation_id) a
    WHERE c.organisation_id = a.organisation_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER join_requests_counted_in AFTER INSERT ON join_requests
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION join_requests_counted_in();

CREATE FUNCTION join_requests_counted_decided() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisation_counts c SET pending_requests = c.pending_requests + d.n
    FROM (SELECT organisation_id, SUM(n) AS n FROM (
              SELECT organisation_id, 1 AS n FROM after_change WHERE status = 'pending'
              UNION ALL
              SELECT organisation_id, -1 FROM before_change WHERE status = 'pending'
          ) changes GROUP BY organisation_id) d
    WHERE c.organisation_id = d.organisation_id AND d.n <> 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER join_requests_counted_decided AFTER UPDATE ON join_requests
    REFERENCING OLD TABLE AS before_change NEW TABLE AS after_change
    FOR EACH STATEMENT EXECUTE FUNCTION join_requests_counted_decided();

CREATE FUNCTION join_requests_counted_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE organisation_counts c SET pending_requests = c.pending_requests - r.n
    FROM (SELECT organisation_id, COUNT(*) AS n FROM removed WHERE status = 'pending' GROUP BY organisation_id) r
    WHERE c.organisation_id = r.organisation_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER join_requests_counted_out AFTER DELETE ON join_requests
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION join_requests_counted_out();
