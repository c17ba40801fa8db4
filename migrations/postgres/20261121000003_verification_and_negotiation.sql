-- esrs event table for the verification_request aggregate (same DDL as esrs's PgStore migrations).
CREATE TABLE verification_request_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT verification_request_events_pkey PRIMARY KEY (id)
);
CREATE INDEX verification_request_events_aggregate_id ON verification_request_events(aggregate_id);
CREATE UNIQUE INDEX verification_request_events_aggregate_id_sequence_number ON verification_request_events(aggregate_id, sequence_number);

-- esrs event table for the negotiation aggregate (same DDL as esrs's PgStore migrations).
CREATE TABLE negotiation_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT negotiation_events_pkey PRIMARY KEY (id)
);
CREATE INDEX negotiation_events_aggregate_id ON negotiation_events(aggregate_id);
CREATE UNIQUE INDEX negotiation_events_aggregate_id_sequence_number ON negotiation_events(aggregate_id, sequence_number);

-- Read model: verification requests, for the provider's work queue (projection verification_queue).
CREATE TABLE verification_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    listing_id UUID NOT NULL,
    requester_id UUID NOT NULL,
    provider_organization_id UUID NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
CREATE INDEX verification_view_provider ON verification_view(provider_organization_id, status, id);
CREATE INDEX verification_view_requester ON verification_view(requester_id, id);

-- Read model: negotiations, for the parties' and brokers' lists, the NDA check and expiry.
CREATE TABLE negotiation_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    listing_id UUID NOT NULL,
    buyer_id UUID NOT NULL,
    seller_id UUID NOT NULL,
    broker_id UUID,
    -- Both sides signed the NDA: the buyer may read the listing's confidential detail.
    nda_complete BOOLEAN NOT NULL,
    last_activity_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
CREATE INDEX negotiation_view_buyer ON negotiation_view(buyer_id, id);
CREATE INDEX negotiation_view_seller ON negotiation_view(seller_id, id);
CREATE INDEX negotiation_view_broker ON negotiation_view(broker_id, id);
CREATE INDEX negotiation_view_listing ON negotiation_view(listing_id, buyer_id);
CREATE INDEX negotiation_view_idle ON negotiation_view(status, last_activity_at);

-- How far each log-driven policy has acted (see src/policies/).
CREATE TABLE policy_checkpoints (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
