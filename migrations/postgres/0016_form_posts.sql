-- Each form the portal draws carries a one-time key. A form sent twice
-- (a second press of the button, a page sent again from the back button)
-- arrives with the same key and the same fields: it is answered as the
-- first was, and nothing is done twice. Rows older than a day are pruned.
CREATE TABLE form_posts (
    key_hash    TEXT    PRIMARY KEY,
    body_hash   TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    -- The first answer, once it is known: where it sent the browser, and
    -- the confirmation it carried.
    location    TEXT,
    done_cookie TEXT
);
CREATE INDEX form_posts_by_age ON form_posts (created_at);
