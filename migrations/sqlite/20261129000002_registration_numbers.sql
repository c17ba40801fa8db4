-- A registration number is unique in the register (projections/contract_stats/numbers.rs).
-- Numbers already given are taken from the register; where one was given twice before this
-- guard, the first registration keeps it.
CREATE TABLE contract_registration_numbers (
    registration_number TEXT PRIMARY KEY,
    contract_id BLOB NOT NULL,
    registered_at TEXT NOT NULL
);
INSERT OR IGNORE INTO contract_registration_numbers (registration_number, contract_id, registered_at)
SELECT json_extract(doc, '$.registration_number'), id, updated_at FROM contract_view
WHERE json_extract(doc, '$.registration_number') IS NOT NULL
ORDER BY json_extract(doc, '$.registered_on'), updated_at;
