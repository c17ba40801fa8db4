-- What a person asked to hear about: a saved search (words and filters) or a match alert on
-- their own demand or listing. A person's setting, not a market fact, so not in the log; each
-- alerts only on what is published after `since` (the log's head when it was saved), so a
-- replay of the notifications follower alerts on nothing twice and nothing from before.
CREATE TABLE saved_searches (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL,
    name TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('listings', 'demands')),
    criteria TEXT NOT NULL,
    since INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX saved_searches_by_user ON saved_searches (user_id, created_at, id);
CREATE INDEX saved_searches_by_target ON saved_searches (target);
