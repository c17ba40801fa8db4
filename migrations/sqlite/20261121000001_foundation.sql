-- Same schema as migrations/postgres, in SQLite's types: UUIDs as 16-byte BLOBs, times as
-- fixed-width RFC 3339 text, JSON as text.
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

CREATE TABLE organizations (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    party_nature TEXT NOT NULL REFERENCES ref_party_natures(code),
    region TEXT NOT NULL,
    zone TEXT REFERENCES ref_zones(code),
    created_at TEXT NOT NULL
);
CREATE TABLE users (
    id BLOB PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organization_id BLOB REFERENCES organizations(id),
    created_at TEXT NOT NULL
);

CREATE TABLE idempotency (
    user_id BLOB NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    resource_id BLOB NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE listing_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX listing_events_aggregate_id ON listing_events(aggregate_id);
CREATE UNIQUE INDEX listing_events_aggregate_id_sequence_number ON listing_events(aggregate_id, sequence_number);

CREATE TABLE event_log (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BLOB NOT NULL UNIQUE,
    aggregate_type TEXT NOT NULL,
    aggregate_id BLOB NOT NULL,
    version INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    actor_id BLOB NOT NULL,
    actor_role TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    payload TEXT NOT NULL,
    UNIQUE (aggregate_type, aggregate_id, version)
);

CREATE TABLE listing_view (
    id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    owner_id BLOB NOT NULL,
    owner_organization_id BLOB,
    institution_id BLOB,
    field TEXT NOT NULL,
    trl INTEGER NOT NULL,
    region TEXT NOT NULL,
    region_province TEXT,
    job_related BOOLEAN NOT NULL,
    title TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX listing_view_status ON listing_view(status, id);
CREATE INDEX listing_view_owner ON listing_view(owner_id, id);
