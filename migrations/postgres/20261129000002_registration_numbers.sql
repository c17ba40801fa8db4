-- A registration number is unique in the register (projections/contract_stats/numbers.rs).
-- Numbers already given are taken from the register; where one was given twice before this
-- guard, the first registration keeps it.
CREATE TABLE contract_registration_numbers (
    registration_number TEXT PRIMARY KEY,
    contract_id UUID NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL
);
INSERT INTO contract_registration_numbers (registration_number, contract_id, registered_at)
SELECT doc->>'registration_number', id, updated_at FROM contract_view
WHERE doc->>'registration_number' IS NOT NULL
ORDER BY doc->>'registered_on', updated_at
ON CONFLICT (registration_number) DO NOTHING;
