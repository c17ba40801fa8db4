-- The expert pool (专家库): account data, like the users it extends. An expert's organization
-- is their user's (the conflict-of-interest rule reads it there); `affiliation` is free text for
-- experts whose institution is not on the platform.
CREATE TABLE experts (
    user_id UUID PRIMARY KEY REFERENCES users(id),
    title TEXT NOT NULL,
    affiliation TEXT,
    registered_by UUID NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per field of expertise, so a draw by field is an index lookup.
CREATE TABLE expert_fields (
    user_id UUID NOT NULL REFERENCES experts(user_id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    PRIMARY KEY (user_id, field)
);
CREATE INDEX expert_fields_field ON expert_fields(field, user_id);
