-- Read model: market sales, for the sweep that closes them when due and a listing's sales
-- (projection market_board).
CREATE TABLE market_sale_view (
    id UUID PRIMARY KEY,
    version BIGINT NOT NULL,
    phase TEXT NOT NULL,
    listing_id UUID NOT NULL,
    due_at TIMESTAMPTZ,
    updated_at TIMESTAMPTZ NOT NULL,
    doc JSONB NOT NULL
);
CREATE INDEX market_sale_view_due ON market_sale_view(due_at) WHERE due_at IS NOT NULL;
CREATE INDEX market_sale_view_listing ON market_sale_view(listing_id, id);
