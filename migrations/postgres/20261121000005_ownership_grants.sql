-- esrs event table for the OwnershipGrant aggregate (same DDL as esrs's PgStore migrations).
CREATE TABLE ownership_grant_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT ownership_grant_events_pkey PRIMARY KEY (id)
);
CREATE INDEX ownership_grant_events_aggregate_id ON ownership_grant_events(aggregate_id);
CREATE UNIQUE INDEX ownership_grant_events_aggregate_id_sequence_number
    ON ownership_grant_events(aggregate_id, sequence_number);

-- Read model: the ownership-grant register (projection ownership_register).
CREATE TABLE ownership_grant_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    listing_id UUID NOT NULL,
    institution_id UUID NOT NULL,
    applicant_id UUID NOT NULL,
    status TEXT NOT NULL,
    term_end TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
-- One grant under way or in force per listing. The register is written in the transaction that
-- appends the event, so this index refuses a second one even when two commands race.
CREATE UNIQUE INDEX ownership_grant_one_live_per_listing ON ownership_grant_view(listing_id)
    WHERE status IN ('applied', 'approved', 'in_notice', 'granted', 'registry_changed');
CREATE INDEX ownership_grant_view_institution ON ownership_grant_view(institution_id, id);
CREATE INDEX ownership_grant_view_status ON ownership_grant_view(status, term_end);

CREATE TABLE ownership_grant_members (
    grant_id UUID NOT NULL,
    user_id UUID NOT NULL,
    PRIMARY KEY (grant_id, user_id)
);
CREATE INDEX ownership_grant_members_user ON ownership_grant_members(user_id, grant_id);

-- Who was paid what: one row per part of each distribution (institution, costs, each member).
CREATE TABLE ownership_distribution_parts (
    distribution_id UUID NOT NULL,
    part BIGINT NOT NULL,
    grant_id UUID NOT NULL,
    position BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    received_on TEXT NOT NULL,
    institution_id UUID NOT NULL,
    listing_id UUID NOT NULL,
    contract_id UUID NOT NULL,
    payment_id UUID NOT NULL,
    holder_type TEXT NOT NULL,
    holder_id UUID,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (distribution_id, part)
);
CREATE INDEX ownership_distribution_parts_received ON ownership_distribution_parts(received_on);
-- A researcher's revenue reads their own parts, not the whole table.
CREATE INDEX ownership_distribution_parts_holder ON ownership_distribution_parts(holder_id, received_on);
