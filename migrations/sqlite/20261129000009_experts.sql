-- The expert pool (专家库): account data, like the users it extends. An expert's organization
-- is their user's (the conflict-of-interest rule reads it there); `affiliation` is free text for
-- experts whose institution is not on the platform.
CREATE TABLE experts (
    user_id BLOB PRIMARY KEY REFERENCES users(id),
    title TEXT NOT NULL,
    affiliation TEXT,
    registered_by BLOB NOT NULL,
    registered_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per field of expertise, so a draw by field is an index lookup.
CREATE TABLE expert_fields (
    user_id BLOB NOT NULL REFERENCES experts(user_id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    PRIMARY KEY (user_id, field)
);
CREATE INDEX expert_fields_field ON expert_fields(field, user_id);
