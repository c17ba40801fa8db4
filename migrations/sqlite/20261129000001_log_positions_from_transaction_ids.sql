-- Nothing changes on SQLite: its single writer makes AUTOINCREMENT positions visible in order.
-- (Kept so both backends carry the same migration history.)
SELECT 1;
