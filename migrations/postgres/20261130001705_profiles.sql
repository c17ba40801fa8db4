-- What a person says about themselves for the directory (issue 17): a one-line headline, the
-- technology fields they work in, and their region when it is not their organization's. Account
-- data, like the users it extends; only active accounts are listed.
CREATE TABLE user_profiles (
    user_id UUID PRIMARY KEY REFERENCES users(id),
    headline TEXT,
    region TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);

-- One row per field, so the directory's filter by field is an index lookup.
CREATE TABLE user_profile_fields (
    user_id UUID NOT NULL REFERENCES user_profiles(user_id) ON DELETE CASCADE,
    field TEXT NOT NULL,
    PRIMARY KEY (user_id, field)
);
CREATE INDEX user_profile_fields_field ON user_profile_fields(field, user_id);
