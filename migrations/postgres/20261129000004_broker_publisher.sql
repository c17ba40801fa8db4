-- The message broker publisher's place in the log and who publishes. One instance publishes at
-- a time: it holds a lease that it renews while it works, and it moves `position` only while
-- it holds the lease (one conditional update does both), so an instance that stalled past its
-- lease can never move the position back over its successor's work.
CREATE TABLE broker_publishers (
    name TEXT PRIMARY KEY,
    holder UUID,
    expires_at TIMESTAMPTZ,
    position BIGINT NOT NULL DEFAULT 0
);
