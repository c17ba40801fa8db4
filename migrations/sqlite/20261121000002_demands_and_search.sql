CREATE TABLE demand_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX demand_events_aggregate_id ON demand_events(aggregate_id);
CREATE UNIQUE INDEX demand_events_aggregate_id_sequence_number ON demand_events(aggregate_id, sequence_number);

CREATE TABLE demand_view (
    id BLOB PRIMARY KEY,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    -- Closed demands are public only if they were published first.
    was_published BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    owner_id BLOB NOT NULL,
    field TEXT NOT NULL,
    region TEXT NOT NULL,
    region_province TEXT,
    valid_until TEXT NOT NULL,
    trl_min INTEGER,
    title TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX demand_view_status ON demand_view(status, id);
CREATE INDEX demand_view_due ON demand_view(status, valid_until);

CREATE TABLE projection_generations (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
);
