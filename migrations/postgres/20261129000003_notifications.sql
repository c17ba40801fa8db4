-- What people are told: derived from the log by the notifications follower, each once (its id
-- is a function of the event, the person and the kind, so a replay inserts nothing new). This
-- is an outbox, not a read model: whether a notification was read and how its mail fared
-- belong to the person and the sender, not to the log, and a rebuild leaves them alone.
CREATE TABLE notifications (
    id uuid PRIMARY KEY,
    recipient_id uuid NOT NULL,
    kind text NOT NULL,
    event_id uuid NOT NULL,
    position bigint NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id uuid NOT NULL,
    created_at timestamptz NOT NULL,
    data jsonb NOT NULL,
    read_at timestamptz,
    -- pending (to send), off (the person turned this kind's mail off), sent, dead (gave up).
    mail_status text NOT NULL CHECK (mail_status IN ('pending', 'off', 'sent', 'dead')),
    mail_attempts bigint NOT NULL DEFAULT 0,
    mail_next_at timestamptz,
    mail_error text
);
CREATE INDEX notifications_inbox ON notifications (recipient_id, position DESC, id DESC);
CREATE INDEX notifications_unread ON notifications (recipient_id, position DESC, id DESC) WHERE read_at IS NULL;
CREATE INDEX notifications_mail_due ON notifications (mail_next_at) WHERE mail_status = 'pending';

-- A person's choice of mail per kind; no row means mail on.
CREATE TABLE notification_preferences (
    user_id uuid NOT NULL,
    kind text NOT NULL,
    mail boolean NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- The follower starts from the log as it stands when notifications arrive: what happened
-- before is history, not news (and not a flood of mail). On a new database this is 0.
INSERT INTO policy_checkpoints (name, position)
SELECT 'notifications', COALESCE(MAX(position), 0) FROM event_log;
