-- esrs event table for the Demand aggregate (same DDL as esrs's PgStore migrations).
CREATE TABLE demand_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT demand_events_pkey PRIMARY KEY (id)
);
CREATE INDEX demand_events_aggregate_id ON demand_events(aggregate_id);
CREATE UNIQUE INDEX demand_events_aggregate_id_sequence_number ON demand_events(aggregate_id, sequence_number);

-- Read model: the demand board (projection demand_board).
CREATE TABLE demand_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    status TEXT NOT NULL,
    -- Closed demands are public only if they were published first.
    was_published BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    owner_id UUID NOT NULL,
    field TEXT NOT NULL,
    region TEXT NOT NULL,
    region_province TEXT,
    valid_until TEXT NOT NULL,
    trl_min BIGINT,
    title TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
CREATE INDEX demand_view_status ON demand_view(status, id);
CREATE INDEX demand_view_due ON demand_view(status, valid_until);

-- Bumped to ask the owner of a catch-up projection (the search index) to rebuild it.
CREATE TABLE projection_generations (
    name TEXT PRIMARY KEY,
    generation BIGINT NOT NULL
);
