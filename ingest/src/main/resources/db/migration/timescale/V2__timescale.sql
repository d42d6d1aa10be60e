-- TimescaleDB path: hypertables on event time, 1-minute and 1-hour OHLCV candles as (hierarchical) continuous
-- aggregates with refresh policies (real-time: the not yet materialised tail is read from the raw ticks), and
-- compression and retention policies. Runs outside a transaction (continuous aggregates cannot be created in one):
-- see V2__timescale.sql.conf.
CREATE EXTENSION IF NOT EXISTS timescaledb;

SELECT create_hypertable('ticks', by_range('ts', INTERVAL '1 day'));
SELECT create_hypertable('forecasts', by_range('ts', INTERVAL '1 day'));

CREATE MATERIALIZED VIEW candles_1m WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT symbol,
       time_bucket(INTERVAL '1 minute', ts) AS bucket,
       first(price, ts)                     AS open,
       max(price)                           AS high,
       min(price)                           AS low,
       last(price, ts)                      AS close,
       sum(size)                            AS volume,
       count(*)                             AS trades
FROM ticks
GROUP BY symbol, time_bucket(INTERVAL '1 minute', ts)
WITH NO DATA;

CREATE MATERIALIZED VIEW candles_1h WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT symbol,
       time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       first(open, bucket)                    AS open,
       max(high)                              AS high,
       min(low)                               AS low,
       last(close, bucket)                    AS close,
       sum(volume)                            AS volume,
       sum(trades)::bigint                    AS trades
FROM candles_1m
GROUP BY symbol, time_bucket(INTERVAL '1 hour', bucket)
WITH NO DATA;

SELECT add_continuous_aggregate_policy('candles_1m',
       start_offset => INTERVAL '2 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');
SELECT add_continuous_aggregate_policy('candles_1h',
       start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '30 minutes');

ALTER TABLE ticks SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol',
                       timescaledb.compress_orderby = 'ts, seq');
SELECT add_compression_policy('ticks', INTERVAL '7 days');
ALTER TABLE forecasts SET (timescaledb.compress, timescaledb.compress_segmentby = 'symbol, horizon',
                           timescaledb.compress_orderby = 'ts, seq');
SELECT add_compression_policy('forecasts', INTERVAL '7 days');

SELECT add_retention_policy('ticks', INTERVAL '2 years');
SELECT add_retention_policy('forecasts', INTERVAL '2 years');
SELECT add_retention_policy('candles_1m', INTERVAL '90 days');
