-- Counter semantics (issue 15). A window row now knows how its samples are meant (metric_type: 'counter' for a
-- cumulative running total, 'delta' for increments, 'gauge'), its earliest sample (first_value, first_timestamp,
-- next to last_value, last_timestamp) and the increase it implies (value_increase): for a counter the increase
-- from its first to its last sample with resets detected, for a delta series the sum of its increments, 0 for a
-- gauge. counter_points holds the samples a counter's increase depends on (the ends of its rising runs, see
-- CounterPoints), so that a window merged from batches in any order gets the increase of all its samples.
-- Rows written before V5 aggregated every sample as a gauge and become gauge rows; their first sample is
-- not known, so their last one stands in for it.
ALTER TABLE window_aggregate ADD COLUMN metric_type varchar(16);
ALTER TABLE window_aggregate ADD COLUMN first_value double precision;
ALTER TABLE window_aggregate ADD COLUMN first_timestamp timestamp with time zone;
ALTER TABLE window_aggregate ADD COLUMN value_increase double precision;
ALTER TABLE window_aggregate ADD COLUMN counter_points bytea;

UPDATE window_aggregate SET metric_type = 'gauge', first_value = last_value, first_timestamp = last_timestamp,
                            value_increase = 0, counter_points = ''::bytea;

ALTER TABLE window_aggregate ALTER COLUMN metric_type SET NOT NULL;
ALTER TABLE window_aggregate ALTER COLUMN first_value SET NOT NULL;
ALTER TABLE window_aggregate ALTER COLUMN first_timestamp SET NOT NULL;
ALTER TABLE window_aggregate ALTER COLUMN value_increase SET NOT NULL;
ALTER TABLE window_aggregate ALTER COLUMN counter_points SET NOT NULL;
ALTER TABLE window_aggregate ADD CONSTRAINT window_aggregate_metric_type
    CHECK (metric_type IN ('counter', 'delta', 'gauge'));
