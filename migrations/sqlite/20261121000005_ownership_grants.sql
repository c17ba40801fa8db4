-- esrs event table for the OwnershipGrant aggregate (the layout of esrs's PgStore, in SQLite types).
CREATE TABLE ownership_grant_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX ownership_grant_events_aggregate_id ON ownership_grant_events(aggregate_id);
CREATE UNIQUE INDEX ownership_grant_events_aggregate_id_sequence_number
    ON ownership_grant_events(aggregate_id, sequence_number);

-- Read model: the ownership-grant register (projection ownership_register).
CREATE TABLE ownership_grant_view (
    id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    listing_id BLOB NOT NULL,
    institution_id BLOB NOT NULL,
    applicant_id BLOB NOT NULL,
    status TEXT NOT NULL,
    term_end TEXT,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
-- One grant under way or in force per listing. The register is written in the transaction that
-- appends the event, so this index refuses a second one even when two commands race.
CREATE UNIQUE INDEX ownership_grant_one_live_per_listing ON ownership_grant_view(listing_id)
    WHERE status IN ('applied', 'approved', 'in_notice', 'granted', 'registry_changed');
CREATE INDEX ownership_grant_view_institution ON ownership_grant_view(institution_id, id);
CREATE INDEX ownership_grant_view_status ON ownership_grant_view(status, term_end);

CREATE TABLE ownership_grant_members (
    grant_id BLOB NOT NULL,
    user_id BLOB NOT NULL,
    PRIMARY KEY (grant_id, user_id)
);
CREATE INDEX ownership_grant_members_user ON ownership_grant_members(user_id, grant_id);

-- Who was paid what: one row per part of each distribution (institution, costs, each member).
CREATE TABLE ownership_distribution_parts (
    distribution_id BLOB NOT NULL,
    part INTEGER NOT NULL,
    grant_id BLOB NOT NULL,
    position INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    received_on TEXT NOT NULL,
    institution_id BLOB NOT NULL,
    listing_id BLOB NOT NULL,
    contract_id BLOB NOT NULL,
    payment_id BLOB NOT NULL,
    holder_type TEXT NOT NULL,
    holder_id BLOB,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (distribution_id, part)
);
CREATE INDEX ownership_distribution_parts_received ON ownership_distribution_parts(received_on);
-- A researcher's revenue reads their own parts, not the whole table.
CREATE INDEX ownership_distribution_parts_holder ON ownership_distribution_parts(holder_id, received_on);
