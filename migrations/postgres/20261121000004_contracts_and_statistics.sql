-- esrs event table for the ContractRegistration aggregate (same DDL as esrs's PgStore migrations).
CREATE TABLE contract_registration_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT contract_registration_events_pkey PRIMARY KEY (id)
);
CREATE INDEX contract_registration_events_aggregate_id ON contract_registration_events(aggregate_id);
CREATE UNIQUE INDEX contract_registration_events_aggregate_id_sequence_number
    ON contract_registration_events(aggregate_id, sequence_number);

-- Read model: registrations, for the registrar's queue (projection contract_register).
CREATE TABLE contract_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    submitter_id UUID NOT NULL,
    seller_organization_id UUID,
    buyer_organization_id UUID,
    listing_id UUID,
    due_on TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
CREATE INDEX contract_view_status ON contract_view(status, id);
CREATE INDEX contract_view_submitter ON contract_view(submitter_id, id);

-- Statistics: signed deltas per registration, amendment, cancellation and revocation (see
-- src/projections/contract_stats/facts.rs). Dates are ISO text; sums are exact integers.
CREATE TABLE contract_stat_facts (
    contract_id UUID NOT NULL,
    seq BIGINT NOT NULL,
    part BIGINT NOT NULL,
    -- The event's position in the global log: followers (the in-memory cube) read facts in order.
    position BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    registered_basis TEXT NOT NULL,
    signing_date TEXT NOT NULL,
    count_delta BIGINT NOT NULL,
    amount_delta BIGINT NOT NULL,
    tech_amount_delta BIGINT NOT NULL,
    taxonomy TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    subtype TEXT NOT NULL,
    field TEXT NOT NULL,
    seller_nature TEXT NOT NULL,
    buyer_nature TEXT NOT NULL,
    seller_region TEXT NOT NULL,
    buyer_region TEXT NOT NULL,
    seller_province TEXT NOT NULL,
    buyer_province TEXT NOT NULL,
    seller_zone TEXT NOT NULL,
    buyer_zone TEXT NOT NULL,
    flow TEXT NOT NULL,
    -- The contract's IP kinds, ';'-joined: what the in-memory cube cuts IP kinds by.
    ip_kinds TEXT NOT NULL,
    PRIMARY KEY (contract_id, seq, part)
);
CREATE INDEX contract_stat_facts_position ON contract_stat_facts(position);
CREATE INDEX contract_stat_facts_registered ON contract_stat_facts(registered_basis, recorded_at);
CREATE INDEX contract_stat_facts_signed ON contract_stat_facts(signing_date, recorded_at);
CREATE TABLE contract_stat_ip_facts (
    contract_id UUID NOT NULL,
    seq BIGINT NOT NULL,
    part BIGINT NOT NULL,
    -- The event's position in the global log: followers (the in-memory cube) read facts in order.
    position BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    registered_basis TEXT NOT NULL,
    signing_date TEXT NOT NULL,
    count_delta BIGINT NOT NULL,
    amount_delta BIGINT NOT NULL,
    tech_amount_delta BIGINT NOT NULL,
    taxonomy TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    subtype TEXT NOT NULL,
    field TEXT NOT NULL,
    seller_nature TEXT NOT NULL,
    buyer_nature TEXT NOT NULL,
    seller_region TEXT NOT NULL,
    buyer_region TEXT NOT NULL,
    seller_province TEXT NOT NULL,
    buyer_province TEXT NOT NULL,
    seller_zone TEXT NOT NULL,
    buyer_zone TEXT NOT NULL,
    flow TEXT NOT NULL,
    ip_kind TEXT NOT NULL,
    PRIMARY KEY (contract_id, seq, part, ip_kind)
);
CREATE INDEX contract_stat_ip_facts_registered ON contract_stat_ip_facts(registered_basis, recorded_at);
CREATE INDEX contract_stat_ip_facts_signed ON contract_stat_ip_facts(signing_date, recorded_at);
