-- Panel backtests (a universe of symbols): the universe's run is a row of its own (kind 'panel', its metrics the
-- pooled scores and the portfolio, its equity curves the portfolio's), and each symbol's run points at it.
ALTER TABLE backtest_runs
    ADD COLUMN kind     text   NOT NULL DEFAULT 'symbol' CHECK (kind IN ('symbol', 'panel')),
    ADD COLUMN panel_id bigint REFERENCES backtest_runs (id) ON DELETE CASCADE;
CREATE INDEX backtest_runs_panel ON backtest_runs (panel_id);
