CREATE TABLE verification_request_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX verification_request_events_aggregate_id ON verification_request_events(aggregate_id);
CREATE UNIQUE INDEX verification_request_events_aggregate_id_sequence_number ON verification_request_events(aggregate_id, sequence_number);

CREATE TABLE negotiation_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX negotiation_events_aggregate_id ON negotiation_events(aggregate_id);
CREATE UNIQUE INDEX negotiation_events_aggregate_id_sequence_number ON negotiation_events(aggregate_id, sequence_number);

-- Read model: verification requests, for the provider's work queue (projection verification_queue).
CREATE TABLE verification_view (
    id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    listing_id BLOB NOT NULL,
    requester_id BLOB NOT NULL,
    provider_organization_id BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX verification_view_provider ON verification_view(provider_organization_id, status, id);
CREATE INDEX verification_view_requester ON verification_view(requester_id, id);

-- Read model: negotiations, for the parties' and brokers' lists, the NDA check and expiry.
CREATE TABLE negotiation_view (
    id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    listing_id BLOB NOT NULL,
    buyer_id BLOB NOT NULL,
    seller_id BLOB NOT NULL,
    broker_id BLOB,
    -- Both sides signed the NDA: the buyer may read the listing's confidential detail.
    nda_complete BOOLEAN NOT NULL,
    last_activity_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX negotiation_view_buyer ON negotiation_view(buyer_id, id);
CREATE INDEX negotiation_view_seller ON negotiation_view(seller_id, id);
CREATE INDEX negotiation_view_broker ON negotiation_view(broker_id, id);
CREATE INDEX negotiation_view_listing ON negotiation_view(listing_id, buyer_id);
CREATE INDEX negotiation_view_idle ON negotiation_view(status, last_activity_at);

-- How far each log-driven policy has acted (see src/policies/).
CREATE TABLE policy_checkpoints (
    name TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
