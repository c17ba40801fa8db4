-- The registrar's lookup: a contract by its registration number, or by words of its title and
-- its parties' names (as submitted and as amended), lower-cased in one column. Filled here for
-- the registrations already there; the projection keeps it from now on.
ALTER TABLE contract_view ADD COLUMN registration_number TEXT;
ALTER TABLE contract_view ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE contract_view SET
    registration_number = doc->>'registration_number',
    search_text = lower(concat_ws(' ',
        doc->>'registration_number',
        doc->'content'->>'title',
        doc->'content'->'seller'->>'name',
        doc->'content'->'buyer'->>'name',
        doc->'amendments'->-1->'seller'->>'name',
        doc->'amendments'->-1->'buyer'->>'name'));
CREATE INDEX contract_view_registration_number ON contract_view(registration_number);
