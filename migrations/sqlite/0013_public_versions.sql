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
INSERT INTO public_versions (organisation_id, stripe, version) VALUES (0, 0, 0);
INSERT INTO public_versions (organisation_id, stripe, version) SELECT id, 0, 0 FROM organisations;

-- A new landlord gets its row (its first version counts in the sum).
CREATE TRIGGER organisations_public_insert AFTER INSERT ON organisations
BEGIN
    INSERT INTO public_versions (organisation_id, stripe, version) VALUES (NEW.id, 0, 1)
    ON CONFLICT (organisation_id, stripe) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER organisations_public_update AFTER UPDATE ON organisations
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.id, OLD.id);
END;
CREATE TRIGGER organisations_public_delete AFTER DELETE ON organisations
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.id;
END;

CREATE TRIGGER memberships_public_insert AFTER INSERT ON memberships
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER memberships_public_update AFTER UPDATE ON memberships
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER memberships_public_delete AFTER DELETE ON memberships
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER local_measures_public_insert AFTER INSERT ON local_measures
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER local_measures_public_update AFTER UPDATE ON local_measures
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER local_measures_public_delete AFTER DELETE ON local_measures
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER figures_public_insert AFTER INSERT ON figures
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER figures_public_update AFTER UPDATE ON figures
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER figures_public_delete AFTER DELETE ON figures
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER imports_public_insert AFTER INSERT ON imports
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER imports_public_update AFTER UPDATE ON imports
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER imports_public_delete AFTER DELETE ON imports
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER figure_changes_public_insert AFTER INSERT ON figure_changes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER figure_changes_public_update AFTER UPDATE ON figure_changes
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER figure_changes_public_delete AFTER DELETE ON figure_changes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER charters_public_insert AFTER INSERT ON charters
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER charters_public_update AFTER UPDATE ON charters
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER charters_public_delete AFTER DELETE ON charters
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER commitments_public_insert AFTER INSERT ON commitments
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM charters WHERE id = NEW.charter_id);
END;
CREATE TRIGGER commitments_public_update AFTER UPDATE ON commitments
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM charters WHERE id = NEW.charter_id), (SELECT organisation_id FROM charters WHERE id = OLD.charter_id));
END;
CREATE TRIGGER commitments_public_delete AFTER DELETE ON commitments
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM charters WHERE id = OLD.charter_id);
END;

CREATE TRIGGER commitment_versions_public_insert AFTER INSERT ON commitment_versions
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = NEW.commitment_id);
END;
CREATE TRIGGER commitment_versions_public_update AFTER UPDATE ON commitment_versions
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = NEW.commitment_id), (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = OLD.commitment_id));
END;
CREATE TRIGGER commitment_versions_public_delete AFTER DELETE ON commitment_versions
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = OLD.commitment_id);
END;

CREATE TRIGGER assessments_public_insert AFTER INSERT ON assessments
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = NEW.commitment_id);
END;
CREATE TRIGGER assessments_public_update AFTER UPDATE ON assessments
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = NEW.commitment_id), (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = OLD.commitment_id));
END;
CREATE TRIGGER assessments_public_delete AFTER DELETE ON assessments
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT c.organisation_id FROM commitments m JOIN charters c ON c.id = m.charter_id WHERE m.id = OLD.commitment_id);
END;

CREATE TRIGGER proposals_public_insert AFTER INSERT ON proposals
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER proposals_public_update AFTER UPDATE ON proposals
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER proposals_public_delete AFTER DELETE ON proposals
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER proposal_supporters_public_insert AFTER INSERT ON proposal_supporters
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM proposals WHERE id = NEW.proposal_id);
END;
CREATE TRIGGER proposal_supporters_public_update AFTER UPDATE ON proposal_supporters
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM proposals WHERE id = NEW.proposal_id), (SELECT organisation_id FROM proposals WHERE id = OLD.proposal_id));
END;
CREATE TRIGGER proposal_supporters_public_delete AFTER DELETE ON proposal_supporters
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM proposals WHERE id = OLD.proposal_id);
END;

CREATE TRIGGER voting_rounds_public_insert AFTER INSERT ON voting_rounds
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER voting_rounds_public_update AFTER UPDATE ON voting_rounds
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER voting_rounds_public_delete AFTER DELETE ON voting_rounds
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER round_topics_public_insert AFTER INSERT ON round_topics
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id);
END;
CREATE TRIGGER round_topics_public_update AFTER UPDATE ON round_topics
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id), (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id));
END;
CREATE TRIGGER round_topics_public_delete AFTER DELETE ON round_topics
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER votes_public_insert AFTER INSERT ON votes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id);
END;
CREATE TRIGGER votes_public_update AFTER UPDATE ON votes
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id), (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id));
END;
CREATE TRIGGER votes_public_delete AFTER DELETE ON votes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER ballots_public_insert AFTER INSERT ON ballots
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id);
END;
CREATE TRIGGER ballots_public_update AFTER UPDATE ON ballots
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id), (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id));
END;
CREATE TRIGGER ballots_public_delete AFTER DELETE ON ballots
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER topic_tallies_public_insert AFTER INSERT ON topic_tallies
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id);
END;
CREATE TRIGGER topic_tallies_public_update AFTER UPDATE ON topic_tallies
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id), (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id));
END;
CREATE TRIGGER topic_tallies_public_delete AFTER DELETE ON topic_tallies
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER round_tallies_public_insert AFTER INSERT ON round_tallies
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id);
END;
CREATE TRIGGER round_tallies_public_update AFTER UPDATE ON round_tallies
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM voting_rounds WHERE id = NEW.round_id), (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id));
END;
CREATE TRIGGER round_tallies_public_delete AFTER DELETE ON round_tallies
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM voting_rounds WHERE id = OLD.round_id);
END;

CREATE TRIGGER scrutiny_reviews_public_insert AFTER INSERT ON scrutiny_reviews
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER scrutiny_reviews_public_update AFTER UPDATE ON scrutiny_reviews
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER scrutiny_reviews_public_delete AFTER DELETE ON scrutiny_reviews
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER review_evidence_public_insert AFTER INSERT ON review_evidence
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM scrutiny_reviews WHERE id = NEW.review_id);
END;
CREATE TRIGGER review_evidence_public_update AFTER UPDATE ON review_evidence
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM scrutiny_reviews WHERE id = NEW.review_id), (SELECT organisation_id FROM scrutiny_reviews WHERE id = OLD.review_id));
END;
CREATE TRIGGER review_evidence_public_delete AFTER DELETE ON review_evidence
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM scrutiny_reviews WHERE id = OLD.review_id);
END;

CREATE TRIGGER evidence_documents_public_insert AFTER INSERT ON evidence_documents
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM scrutiny_reviews WHERE id = NEW.review_id);
END;
CREATE TRIGGER evidence_documents_public_update AFTER UPDATE ON evidence_documents
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM scrutiny_reviews WHERE id = NEW.review_id), (SELECT organisation_id FROM scrutiny_reviews WHERE id = OLD.review_id));
END;
CREATE TRIGGER evidence_documents_public_delete AFTER DELETE ON evidence_documents
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM scrutiny_reviews WHERE id = OLD.review_id);
END;

CREATE TRIGGER recommendations_public_insert AFTER INSERT ON recommendations
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM scrutiny_reviews WHERE id = NEW.review_id);
END;
CREATE TRIGGER recommendations_public_update AFTER UPDATE ON recommendations
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM scrutiny_reviews WHERE id = NEW.review_id), (SELECT organisation_id FROM scrutiny_reviews WHERE id = OLD.review_id));
END;
CREATE TRIGGER recommendations_public_delete AFTER DELETE ON recommendations
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM scrutiny_reviews WHERE id = OLD.review_id);
END;

CREATE TRIGGER recommendation_updates_public_insert AFTER INSERT ON recommendation_updates
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT s.organisation_id FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id WHERE r.id = NEW.recommendation_id);
END;
CREATE TRIGGER recommendation_updates_public_update AFTER UPDATE ON recommendation_updates
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT s.organisation_id FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id WHERE r.id = NEW.recommendation_id), (SELECT s.organisation_id FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id WHERE r.id = OLD.recommendation_id));
END;
CREATE TRIGGER recommendation_updates_public_delete AFTER DELETE ON recommendation_updates
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT s.organisation_id FROM recommendations r JOIN scrutiny_reviews s ON s.id = r.review_id WHERE r.id = OLD.recommendation_id);
END;

CREATE TRIGGER comments_public_insert AFTER INSERT ON comments
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER comments_public_update AFTER UPDATE ON comments
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER comments_public_delete AFTER DELETE ON comments
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER comment_edits_public_insert AFTER INSERT ON comment_edits
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM comments WHERE id = NEW.comment_id);
END;
CREATE TRIGGER comment_edits_public_update AFTER UPDATE ON comment_edits
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM comments WHERE id = NEW.comment_id), (SELECT organisation_id FROM comments WHERE id = OLD.comment_id));
END;
CREATE TRIGGER comment_edits_public_delete AFTER DELETE ON comment_edits
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM comments WHERE id = OLD.comment_id);
END;

CREATE TRIGGER comment_reports_public_insert AFTER INSERT ON comment_reports
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM comments WHERE id = NEW.comment_id);
END;
CREATE TRIGGER comment_reports_public_update AFTER UPDATE ON comment_reports
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM comments WHERE id = NEW.comment_id), (SELECT organisation_id FROM comments WHERE id = OLD.comment_id));
END;
CREATE TRIGGER comment_reports_public_delete AFTER DELETE ON comment_reports
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM comments WHERE id = OLD.comment_id);
END;

CREATE TRIGGER annual_reviews_public_insert AFTER INSERT ON annual_reviews
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = NEW.organisation_id;
END;
CREATE TRIGGER annual_reviews_public_update AFTER UPDATE ON annual_reviews
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN (NEW.organisation_id, OLD.organisation_id);
END;
CREATE TRIGGER annual_reviews_public_delete AFTER DELETE ON annual_reviews
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = OLD.organisation_id;
END;

CREATE TRIGGER review_sections_public_insert AFTER INSERT ON review_sections
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM annual_reviews WHERE id = NEW.review_id);
END;
CREATE TRIGGER review_sections_public_update AFTER UPDATE ON review_sections
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM annual_reviews WHERE id = NEW.review_id), (SELECT organisation_id FROM annual_reviews WHERE id = OLD.review_id));
END;
CREATE TRIGGER review_sections_public_delete AFTER DELETE ON review_sections
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM annual_reviews WHERE id = OLD.review_id);
END;

CREATE TRIGGER section_revisions_public_insert AFTER INSERT ON section_revisions
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = NEW.section_id);
END;
CREATE TRIGGER section_revisions_public_update AFTER UPDATE ON section_revisions
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = NEW.section_id), (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = OLD.section_id));
END;
CREATE TRIGGER section_revisions_public_delete AFTER DELETE ON section_revisions
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = OLD.section_id);
END;

CREATE TRIGGER section_notes_public_insert AFTER INSERT ON section_notes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = NEW.section_id);
END;
CREATE TRIGGER section_notes_public_update AFTER UPDATE ON section_notes
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = NEW.section_id), (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = OLD.section_id));
END;
CREATE TRIGGER section_notes_public_delete AFTER DELETE ON section_notes
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT a.organisation_id FROM review_sections s JOIN annual_reviews a ON a.id = s.review_id WHERE s.id = OLD.section_id);
END;

CREATE TRIGGER review_authors_public_insert AFTER INSERT ON review_authors
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM annual_reviews WHERE id = NEW.review_id);
END;
CREATE TRIGGER review_authors_public_update AFTER UPDATE ON review_authors
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM annual_reviews WHERE id = NEW.review_id), (SELECT organisation_id FROM annual_reviews WHERE id = OLD.review_id));
END;
CREATE TRIGGER review_authors_public_delete AFTER DELETE ON review_authors
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM annual_reviews WHERE id = OLD.review_id);
END;

CREATE TRIGGER review_sign_offs_public_insert AFTER INSERT ON review_sign_offs
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM annual_reviews WHERE id = NEW.review_id);
END;
CREATE TRIGGER review_sign_offs_public_update AFTER UPDATE ON review_sign_offs
BEGIN
    UPDATE public_versions SET version = version + 1
    WHERE organisation_id IN ((SELECT organisation_id FROM annual_reviews WHERE id = NEW.review_id), (SELECT organisation_id FROM annual_reviews WHERE id = OLD.review_id));
END;
CREATE TRIGGER review_sign_offs_public_delete AFTER DELETE ON review_sign_offs
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = (SELECT organisation_id FROM annual_reviews WHERE id = OLD.review_id);
END;

-- Names show beside comments, proposals and reviews on every landlord's pages.
CREATE TRIGGER users_public_update AFTER UPDATE OF display_name, deleted_at ON users
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = 0;
END;
CREATE TRIGGER users_public_delete AFTER DELETE ON users
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = 0;
END;
CREATE TRIGGER installation_public_insert AFTER INSERT ON installation
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = 0;
END;
CREATE TRIGGER installation_public_update AFTER UPDATE ON installation
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = 0;
END;
CREATE TRIGGER installation_public_delete AFTER DELETE ON installation
BEGIN
    UPDATE public_versions SET version = version + 1 WHERE organisation_id = 0;
END;
