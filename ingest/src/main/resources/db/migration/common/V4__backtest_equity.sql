-- Equity curves of stored backtest runs, one row per run and model (the dashboard draws them). Thinned to at most a
-- few thousand points by the writer; ts and equity are parallel arrays.
CREATE TABLE backtest_equity (
    run_id bigint             NOT NULL REFERENCES backtest_runs (id) ON DELETE CASCADE,
    model  text               NOT NULL,
    ts     timestamptz[]      NOT NULL,
    equity double precision[] NOT NULL,
    PRIMARY KEY (run_id, model),
    CONSTRAINT backtest_equity_same_length CHECK (cardinality(ts) = cardinality(equity))
);
