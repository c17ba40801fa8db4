-- The shape each event was written in (domain::DomainEvent::SCHEMA_VERSION), so that readers of
-- the log lift older payloads to today's shape before parsing them. NULL: written before versions
-- were recorded, which is version 1. The aggregates' own tables keep it in esrs's `version`.
ALTER TABLE event_log ADD COLUMN schema_version INTEGER;
