-- Sharded streams (issue 17): with KILLKRILL_STREAM_SHARDS=N the metrics stream is N keys, metrics-stream{0} ..
-- {N-1}, and a stream entry ID is unique only within its key: two shards can each hold an entry 1732000000000-0.
-- The ledger therefore keys the entries of shard s above s * 2^128 (ID keys are below 2^128): shard 0's keys are
-- the IDs' own numbers, so every row written before (one stream) keeps its meaning, and the one exclusion
-- constraint still serialises two workers applying the same entry of the same shard, while entries of two shards
-- never conflict. 256 shards need 41 digits; the columns get 45.
ALTER TABLE applied_entries ALTER COLUMN first_key TYPE numeric(45, 0);
ALTER TABLE applied_entries ALTER COLUMN last_key TYPE numeric(45, 0);
