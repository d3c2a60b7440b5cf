-- Reminders sent by the server's scheduled check. Each "sent" mark is set by
-- a conditional update in the same transaction as the emails, so with
-- several app servers every reminder still goes out once.

-- Residents choose to hear when a vote opens and the day before it closes.
ALTER TABLE memberships ADD COLUMN vote_emails BIGINT NOT NULL DEFAULT 0;

ALTER TABLE voting_rounds ADD COLUMN opening_sent_at BIGINT;
ALTER TABLE voting_rounds ADD COLUMN closing_sent_at BIGINT;

-- Landlord staff hear a week before answers to a report are due, and when
-- they become overdue.
ALTER TABLE scrutiny_reviews ADD COLUMN due_soon_sent_at BIGINT;
ALTER TABLE scrutiny_reviews ADD COLUMN overdue_sent_at BIGINT;
