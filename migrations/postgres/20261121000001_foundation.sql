-- Reference data (seeded at start-up from migrations/reference/*.csv).
CREATE TABLE ref_regions (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, level TEXT NOT NULL, parent TEXT);
CREATE TABLE ref_zones (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL, spans_parts_of TEXT NOT NULL);
CREATE TABLE ref_technology_fields (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE ref_party_natures (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE ref_ip_kinds (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE ref_refusal_reasons (code TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE ref_contract_types (
    taxonomy TEXT NOT NULL, contract_type TEXT NOT NULL, subtype TEXT NOT NULL DEFAULT '',
    name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
    PRIMARY KEY (taxonomy, contract_type, subtype)
);

-- Accounts: ordinary tables, not event streams (a password hash must be deletable).
CREATE TABLE organizations (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    party_nature TEXT NOT NULL REFERENCES ref_party_natures(code),
    region TEXT NOT NULL,
    zone TEXT REFERENCES ref_zones(code),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE users (
    id UUID PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organization_id UUID REFERENCES organizations(id),
    created_at TIMESTAMPTZ NOT NULL
);

-- Idempotency-Key records: the first response to a create, replayed for retries.
CREATE TABLE idempotency (
    user_id UUID NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_id UUID NOT NULL,
    response_status BIGINT,
    response_body TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- esrs event table for the Listing aggregate: the same DDL esrs's PgStore migrations create.
CREATE TABLE listing_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT listing_events_pkey PRIMARY KEY (id)
);
CREATE INDEX listing_events_aggregate_id ON listing_events(aggregate_id);
CREATE UNIQUE INDEX listing_events_aggregate_id_sequence_number ON listing_events(aggregate_id, sequence_number);

-- The global ordered log (see src/store/log.rs for why appends are serialized).
CREATE TABLE event_log (
    position BIGSERIAL PRIMARY KEY,
    event_id UUID NOT NULL UNIQUE,
    aggregate_type TEXT NOT NULL,
    aggregate_id UUID NOT NULL,
    version BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    actor_id UUID NOT NULL,
    actor_role TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    payload JSONB NOT NULL,
    UNIQUE (aggregate_type, aggregate_id, version)
);

-- Read model: the listing catalogue (projection listing_catalogue).
CREATE TABLE listing_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    owner_id UUID NOT NULL,
    owner_organization_id UUID,
    institution_id UUID,
    field TEXT NOT NULL,
    trl BIGINT NOT NULL,
    region TEXT NOT NULL,
    region_province TEXT,
    job_related BOOLEAN NOT NULL,
    title TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
CREATE INDEX listing_view_status ON listing_view(status, id);
CREATE INDEX listing_view_owner ON listing_view(owner_id, id);
