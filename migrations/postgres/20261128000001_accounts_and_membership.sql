-- Trust: membership is granted, never claimed; accounts can be disabled, removed, forced to a new
-- password; every change is recorded; failed logins are counted.

-- status: active | disabled | removed. token_version is bumped by every change that must end the
-- tokens issued before it (role, removal from the organization, disabling, a new password).
ALTER TABLE users ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE users ADD COLUMN token_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- May approve, invite and remove the members of their own organization.
ALTER TABLE users ADD COLUMN organization_admin BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX users_organization ON users (organization_id);

-- A user asking to join an organization. status: pending | approved | rejected | withdrawn.
CREATE TABLE membership_requests (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    organization_id UUID NOT NULL REFERENCES organizations(id),
    status TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    decided_by UUID,
    decided_at TIMESTAMPTZ,
    reason TEXT
);
CREATE UNIQUE INDEX membership_requests_one_pending ON membership_requests (user_id) WHERE status = 'pending';
CREATE INDEX membership_requests_organization ON membership_requests (organization_id, status);

-- An invitation by e-mail address. Only a hash of its token is kept: the token is shown once.
CREATE TABLE invitations (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations(id),
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    organization_admin BOOLEAN NOT NULL,
    invited_by UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_by UUID,
    accepted_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX invitations_organization ON invitations (organization_id);

-- Single-use password reset tokens an operator issues (hash only).
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id),
    issued_by UUID NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

-- Who changed which account or membership, and when. actor_id is nil for the operator's CLI.
CREATE TABLE account_audit (
    id UUID PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID NOT NULL,
    user_id UUID,
    organization_id UUID,
    action TEXT NOT NULL,
    detail JSONB NOT NULL
);
CREATE INDEX account_audit_user ON account_audit (user_id, id);
CREATE INDEX account_audit_organization ON account_audit (organization_id, id);

-- Fixed-window counters for rate limits, shared by every instance on this database.
CREATE TABLE rate_limits (
    bucket TEXT NOT NULL,
    subject TEXT NOT NULL,
    window_start_ms BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    PRIMARY KEY (bucket, subject)
);
