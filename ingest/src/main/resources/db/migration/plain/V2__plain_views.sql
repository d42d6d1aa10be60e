-- Plain PostgreSQL (no timescaledb): ordinary indexes and plain views in place of hypertables and continuous
-- aggregates. The unique keys (symbol, ts, ...) already serve per-symbol time-range queries; BRIN indexes serve
-- time ranges across symbols at almost no write cost.
CREATE INDEX ticks_ts_brin ON ticks USING brin (ts);
CREATE INDEX forecasts_ts_brin ON forecasts USING brin (ts);

-- OHLCV candles. Same columns as the Timescale continuous aggregates.
CREATE VIEW candles_1m AS
SELECT symbol,
       date_trunc('minute', ts)                          AS bucket,
       (array_agg(price ORDER BY ts, seq))[1]            AS open,
       max(price)                                        AS high,
       min(price)                                        AS low,
       (array_agg(price ORDER BY ts DESC, seq DESC))[1]  AS close,
       sum(size)                                         AS volume,
       count(*)                                          AS trades
FROM ticks
GROUP BY symbol, date_trunc('minute', ts);

CREATE VIEW candles_1h AS
SELECT symbol,
       date_trunc('hour', ts)                            AS bucket,
       (array_agg(price ORDER BY ts, seq))[1]            AS open,
       max(price)                                        AS high,
       min(price)                                        AS low,
       (array_agg(price ORDER BY ts DESC, seq DESC))[1]  AS close,
       sum(size)                                         AS volume,
       count(*)                                          AS trades
FROM ticks
GROUP BY symbol, date_trunc('hour', ts);
