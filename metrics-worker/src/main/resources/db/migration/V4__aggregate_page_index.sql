-- GET /api/v1/aggregates pages through one metric's rows in the order (window size, window start, label set),
-- resuming after a cursor. This index serves it: name and size bound the scan, the window-start range and the
-- cursor are index conditions, and the scan stops at the page's limit. It replaces window_aggregate_by_window,
-- whose columns are its prefix, so a merge still maintains two indexes besides the primary key.
CREATE INDEX window_aggregate_page ON window_aggregate (metric_name, window_seconds, window_start, labels);
DROP INDEX window_aggregate_by_window;
