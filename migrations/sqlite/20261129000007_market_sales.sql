-- Market sales (挂牌 and 拍卖): the event stream of each sale (aggregate market_sale).
CREATE TABLE market_sale_events (
    id BLOB NOT NULL PRIMARY KEY,
    aggregate_id BLOB NOT NULL,
    payload TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    version INTEGER
);
CREATE INDEX market_sale_events_aggregate_id ON market_sale_events(aggregate_id);
CREATE UNIQUE INDEX market_sale_events_aggregate_id_sequence_number ON market_sale_events(aggregate_id, sequence_number);
