-- Appends no longer serialize: a log position is now (transaction id << 20) + n, written by the
-- append itself, and readers read below the oldest transaction in flight (see store/log.rs).
-- Existing positions are far below any new one (a transaction id shifted by 20 bits).
ALTER TABLE event_log ALTER COLUMN position DROP DEFAULT;
DROP SEQUENCE IF EXISTS event_log_position_seq;
