-- What is applied is now recorded per read batch, not per sample: a batch read with XREADGROUP '>' is every
-- entry of the stream between its first and last ID, so one row (a closed range of stream entry IDs) records
-- it; an entry claimed from another consumer is recorded as a one-entry range. Keys are stream entry IDs as
-- numbers: milliseconds * 2^64 + sequence. The exclusion constraint is what makes two workers that apply the
-- same entry at the same moment (a slow owner and a claimer) conflict: the second one waits for the first
-- one's commit and then skips the entry.
CREATE TABLE applied_entries (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_key  numeric(40, 0)           NOT NULL,
    last_key   numeric(40, 0)           NOT NULL,
    consumer   varchar(255)             NOT NULL,
    applied_at timestamp with time zone NOT NULL,
    CONSTRAINT applied_entries_ordered CHECK (first_key <= last_key),
    CONSTRAINT applied_entries_disjoint EXCLUDE USING gist (numrange(first_key, last_key, '[]') WITH &&)
);

CREATE INDEX applied_entries_by_age ON applied_entries (applied_at);

-- Per-sample records (V1). Upgrading with entries pending that were applied under V1: drain the metrics
-- stream first (stop the receivers' metrics traffic until the group's pending count is 0).
DROP TABLE applied_events;
