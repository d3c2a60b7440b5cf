-- Versions of what signed-out visitors see, so a page rendered once can be
-- served again until what it shows changes (server/src/page_cache.rs).
-- organisation_id 0 is the whole site (people's names, the installation);
-- every other value is one landlord. Triggers bump a landlord's version in
-- the same transaction as each write to a table whose rows public pages
-- show, so every app server sharing the database sees the bump exactly
-- when the write commits, and no write path can forget it. A version is
-- the sum of its stripes: on PostgreSQL each transaction bumps one stripe
-- (chosen by its transaction id), at commit (deferred triggers), so
-- writers at one landlord (five hundred residents voting at once) do not
-- queue on one row for the length of their transactions. SQLite has one
-- writer at a time and uses stripe 0 only. Pages about one landlord check
-- its sum and that of row 0; pages across landlords check the sum of all
-- (versions only grow, so the sum grows with any change).
CREATE TABLE public_versions (
    organisation_id  BIGINT  NOT NULL,
    stripe           BIGINT  NOT NULL DEFAULT 0,
    version          BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (organisation_id, stripe)
);
INSERT INTO public_versions (organisation_id, stripe, version)
SELECT 0, s, 0 FROM generate_series(0, 7) AS s;
INSERT INTO public_versions (organisation_id, stripe, version)
SELECT o.id, s, 0 FROM organisations o CROSS JOIN generate_series(0, 7) AS s;

-- One function for every table: its argument is a query giving the
-- landlord of the row passed as $1 (NEW, then OLD).
CREATE FUNCTION public_versions_bump() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_landlord BIGINT;
    old_landlord BIGINT;
BEGIN
    IF TG_OP <> 'DELETE' THEN
        EXECUTE TG_ARGV[0] INTO new_landlord USING NEW;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        EXECUTE TG_ARGV[0] INTO old_landlord USING OLD;
    END IF;
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (new_landlord, old_landlord) AND stripe = txid_current() % 8;
    RETURN NULL;
END
$$;

CREATE FUNCTION public_versions_bump_site() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id = 0 AND stripe = txid_current() % 8;
    RETURN NULL;
END
$$;

-- A new landlord gets its rows (its first version counts in the sum).
CREATE FUNCTION public_versions_new_landlord() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public_versions (organisation_id, stripe, version)
    SELECT NEW.id, s, CASE WHEN s = 0 THEN 1 ELSE 0 END FROM generate_series(0, 7) AS s
    ON CONFLICT (organisation_id, stripe) DO UPDATE SET version = public_versions.version + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER organisations_public_insert AFTER INSERT ON organisations
    FOR EACH ROW EXECUTE FUNCTION public_versions_new_landlord();

-- The others run at commit, still inside the transaction.

CREATE CONSTRAINT TRIGGER organisations_public AFTER UPDATE OR DELETE ON organisations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).id');

CREATE CONSTRAINT TRIGGER memberships_public AFTER INSERT OR UPDATE OR DELETE ON memberships
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER local_measures_public AFTER INSERT OR UPDATE OR DELETE ON local_measures
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER figures_public AFTER INSERT OR UPDATE OR DELETE ON figures
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER imports_public AFTER INSERT OR UPDATE OR DELETE ON imports
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER figure_changes_public AFTER INSERT OR UPDATE OR DELETE ON figure_changes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER charters_public AFTER INSERT OR UPDATE OR DELETE ON charters
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER commitments_public AFTER INSERT OR UPDATE OR DELETE ON commitments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM charters WHERE id = ($1).charter_id)');

CREATE CONSTRAINT TRIGGER commitment_versions_public AFTER INSERT OR UPDATE OR DELETE ON commitment_versions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = ($1).commitment_id)');

CREATE CONSTRAINT TRIGGER assessments_public AFTER INSERT OR UPDATE OR DELETE ON assessments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = ($1).commitment_id)');

CREATE CONSTRAINT TRIGGER proposals_public AFTER INSERT OR UPDATE OR DELETE ON proposals
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER proposal_supporters_public AFTER INSERT OR UPDATE OR DELETE ON proposal_supporters
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM proposals WHERE id = ($1).proposal_id)');

CREATE CONSTRAINT TRIGGER voting_rounds_public AFTER INSERT OR UPDATE OR DELETE ON voting_rounds
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER round_topics_public AFTER INSERT OR UPDATE OR DELETE ON round_topics
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM voting_rounds WHERE id = ($1).round_id)');

CREATE CONSTRAINT TRIGGER votes_public AFTER INSERT OR UPDATE OR DELETE ON votes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM voting_rounds WHERE id = ($1).round_id)');

CREATE CONSTRAINT TRIGGER ballots_public AFTER INSERT OR UPDATE OR DELETE ON ballots
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM voting_rounds WHERE id = ($1).round_id)');

CREATE CONSTRAINT TRIGGER topic_tallies_public AFTER INSERT OR UPDATE OR DELETE ON topic_tallies
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM voting_rounds WHERE id = ($1).round_id)');

CREATE CONSTRAINT TRIGGER round_tallies_public AFTER INSERT OR UPDATE OR DELETE ON round_tallies
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM voting_rounds WHERE id = ($1).round_id)');

CREATE CONSTRAINT TRIGGER scrutiny_reviews_public AFTER INSERT OR UPDATE OR DELETE ON scrutiny_reviews
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER review_evidence_public AFTER INSERT OR UPDATE OR DELETE ON review_evidence
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM scrutiny_reviews WHERE id = ($1).review_id)');

CREATE CONSTRAINT TRIGGER evidence_documents_public AFTER INSERT OR UPDATE OR DELETE ON evidence_documents
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM scrutiny_reviews WHERE id = ($1).review_id)');

CREATE CONSTRAINT TRIGGER recommendations_public AFTER INSERT OR UPDATE OR DELETE ON recommendations
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM scrutiny_reviews WHERE id = ($1).review_id)');

CREATE CONSTRAINT TRIGGER recommendation_updates_public AFTER INSERT OR UPDATE OR DELETE ON recommendation_updates
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT s.organisation_id FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id WHERE r.id = ($1).recommendation_id)');

CREATE CONSTRAINT TRIGGER comments_public AFTER INSERT OR UPDATE OR DELETE ON comments
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER comment_edits_public AFTER INSERT OR UPDATE OR DELETE ON comment_edits
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM comments WHERE id = ($1).comment_id)');

CREATE CONSTRAINT TRIGGER comment_reports_public AFTER INSERT OR UPDATE OR DELETE ON comment_reports
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM comments WHERE id = ($1).comment_id)');

CREATE CONSTRAINT TRIGGER annual_reviews_public AFTER INSERT OR UPDATE OR DELETE ON annual_reviews
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT ($1).organisation_id');

CREATE CONSTRAINT TRIGGER review_sections_public AFTER INSERT OR UPDATE OR DELETE ON review_sections
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM annual_reviews WHERE id = ($1).review_id)');

CREATE CONSTRAINT TRIGGER section_revisions_public AFTER INSERT OR UPDATE OR DELETE ON section_revisions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = ($1).section_id)');

CREATE CONSTRAINT TRIGGER section_notes_public AFTER INSERT OR UPDATE OR DELETE ON section_notes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = ($1).section_id)');

CREATE CONSTRAINT TRIGGER review_authors_public AFTER INSERT OR UPDATE OR DELETE ON review_authors
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM annual_reviews WHERE id = ($1).review_id)');

CREATE CONSTRAINT TRIGGER review_sign_offs_public AFTER INSERT OR UPDATE OR DELETE ON review_sign_offs
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump('SELECT (SELECT organisation_id FROM annual_reviews WHERE id = ($1).review_id)');

-- Names show beside comments, proposals and reviews on every landlord's pages.
CREATE CONSTRAINT TRIGGER users_public AFTER UPDATE OF display_name, deleted_at OR DELETE ON users
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump_site();
CREATE CONSTRAINT TRIGGER installation_public AFTER INSERT OR UPDATE OR DELETE ON installation
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION public_versions_bump_site();
