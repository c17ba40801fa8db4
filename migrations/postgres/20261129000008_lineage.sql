-- The lineage of a listing (GET /listings/{id}/lineage) reads every read model by listing: the
-- verification runs, contracts and ownership grants on it (grants had only a partial index, over
-- the live ones) and the open calls it won. The last is a column the projection keeps (the
-- listing of the selected application), filled here for the demands already there.
CREATE INDEX verification_view_listing ON verification_view(listing_id, id);
CREATE INDEX contract_view_listing ON contract_view(listing_id, id);
CREATE INDEX ownership_grant_view_listing ON ownership_grant_view(listing_id, id);
ALTER TABLE demand_view ADD COLUMN winning_listing_id UUID;
UPDATE demand_view SET winning_listing_id = (
    SELECT (a->>'listing_id')::uuid FROM jsonb_array_elements(doc->'applications') a
    WHERE a->>'id' = doc->>'winner')
WHERE doc->>'winner' IS NOT NULL;
CREATE INDEX demand_view_winning_listing ON demand_view(winning_listing_id);
