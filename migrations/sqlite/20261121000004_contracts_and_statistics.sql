CREATE TABLE contract_registration_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX contract_registration_events_aggregate_id ON contract_registration_events(aggregate_id);
CREATE UNIQUE INDEX contract_registration_events_aggregate_id_sequence_number
    ON contract_registration_events(aggregate_id, sequence_number);

-- Read model: registrations, for the registrar's queue (projection contract_register).
CREATE TABLE contract_view (
    id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    submitter_id BLOB NOT NULL,
    seller_organization_id BLOB,
    buyer_organization_id BLOB,
    listing_id BLOB,
    due_on TEXT,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX contract_view_status ON contract_view(status, id);
CREATE INDEX contract_view_submitter ON contract_view(submitter_id, id);

-- Statistics: signed deltas per registration, amendment, cancellation and revocation (see
-- src/projections/contract_stats/facts.rs). Dates are ISO text; sums are exact integers.
CREATE TABLE contract_stat_facts (
    contract_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    part INTEGER NOT NULL,
    -- The event's position in the global log: followers (the in-memory cube) read facts in order.
    position INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    registered_basis TEXT NOT NULL,
    signing_date TEXT NOT NULL,
    count_delta INTEGER NOT NULL,
    amount_delta INTEGER NOT NULL,
    tech_amount_delta INTEGER NOT NULL,
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
    contract_id BLOB NOT NULL,
    seq INTEGER NOT NULL,
    part INTEGER NOT NULL,
    -- The event's position in the global log: followers (the in-memory cube) read facts in order.
    position INTEGER NOT NULL,
    recorded_at TEXT NOT NULL,
    registered_basis TEXT NOT NULL,
    signing_date TEXT NOT NULL,
    count_delta INTEGER NOT NULL,
    amount_delta INTEGER NOT NULL,
    tech_amount_delta INTEGER NOT NULL,
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
