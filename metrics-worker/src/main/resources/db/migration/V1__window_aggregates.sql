-- Aggregates per series (metric name + canonical label set) and tumbling window, merged into by every flush.
CREATE SEQUENCE window_aggregate_seq START WITH 1 INCREMENT BY 50;

CREATE TABLE window_aggregate (
    id             bigint                   NOT NULL PRIMARY KEY,
    metric_name    varchar(255)             NOT NULL,
    labels         varchar(65535)           NOT NULL,
    window_seconds integer                  NOT NULL,
    window_start   timestamp with time zone NOT NULL,
    sample_count   bigint                   NOT NULL,
    value_sum      double precision         NOT NULL,
    min_value      double precision         NOT NULL,
    max_value      double precision         NOT NULL,
    last_value     double precision         NOT NULL,
    last_timestamp timestamp with time zone NOT NULL,
    sketch         bytea                    NOT NULL,
    updated_at     timestamp with time zone NOT NULL,
    CONSTRAINT window_aggregate_series_window UNIQUE (metric_name, labels, window_seconds, window_start)
);

CREATE INDEX window_aggregate_by_window ON window_aggregate (metric_name, window_seconds, window_start);

-- IDs of samples whose effect is committed but whose stream entry may not be acknowledged yet.
CREATE TABLE applied_events (
    event_id   uuid                     NOT NULL PRIMARY KEY,
    applied_at timestamp with time zone NOT NULL
);
