-- What each section of an annual review is for, so that next year's review
-- finds this year's recommendations whatever the chair renamed them to.
ALTER TABLE review_sections ADD COLUMN kind TEXT NOT NULL DEFAULT 'free'
    CHECK (kind IN ('introduction', 'commitment', 'tenants', 'progress', 'recommendations', 'free'));

UPDATE review_sections SET kind = 'commitment' WHERE commitment_id IS NOT NULL OR snapshot <> '';
UPDATE review_sections SET kind = 'introduction' WHERE kind = 'free' AND title = 'Introduction';
UPDATE review_sections SET kind = 'tenants' WHERE kind = 'free' AND title = 'What tenants told us';
UPDATE review_sections SET kind = 'progress' WHERE kind = 'free' AND title = 'Progress on last year''s recommendations';
UPDATE review_sections SET kind = 'recommendations' WHERE kind = 'free' AND title = 'Recommendations for next year';

-- How many of the panel must sign a review off, chosen by the chair when
-- asking: more than half (the usual rule), at least two-thirds, or all.
ALTER TABLE annual_reviews ADD COLUMN quorum TEXT NOT NULL DEFAULT 'majority'
    CHECK (quorum IN ('majority', 'two_thirds', 'all'));
