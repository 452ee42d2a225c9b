-- The applied-entries ledger is no longer pruned as soon as a batch is acknowledged. A worker can still hold a
-- copy of an entry after another consumer claimed, applied and acknowledged it (or after its own acknowledgement
-- of a claimed copy); pruning the row then let that copy be applied a second time (issue 12's double count).
-- Now a row is deleted in two steps by the sweep: first marked settled_at once every entry of its range is below
-- the group's oldest pending entry (so all are acknowledged), then deleted a retention period later. A worker
-- applies an entry only if Redis confirmed it pending for this worker less than half that period ago, so no copy
-- of an entry can be applied once its row is gone.
ALTER TABLE applied_entries ADD COLUMN settled_at timestamp with time zone;

CREATE INDEX applied_entries_settled ON applied_entries (settled_at) WHERE settled_at IS NOT NULL;
CREATE INDEX applied_entries_unsettled ON applied_entries (last_key) WHERE settled_at IS NULL;
