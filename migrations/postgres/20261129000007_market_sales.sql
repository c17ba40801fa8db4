-- Market sales (挂牌 and 拍卖): the event stream of each sale (aggregate market_sale).
CREATE TABLE market_sale_events (
    id UUID NOT NULL,
    aggregate_id UUID NOT NULL,
    payload JSONB NOT NULL,
    occurred_on TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
    sequence_number INT NOT NULL DEFAULT 1,
    version INTEGER,
    CONSTRAINT market_sale_events_pkey PRIMARY KEY (id)
);
CREATE INDEX market_sale_events_aggregate_id ON market_sale_events(aggregate_id);
CREATE UNIQUE INDEX market_sale_events_aggregate_id_sequence_number ON market_sale_events(aggregate_id, sequence_number);
