-- "Replace their version with mine": when a save overlapped someone else's,
-- its author may choose to put their version in place of the current one
-- instead of combining the two. Such a revision names the revision it
-- replaced, so the history can say so; NULL for every other save.
ALTER TABLE section_revisions ADD COLUMN replaced_revision BIGINT;
