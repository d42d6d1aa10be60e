-- Retention is the operator's choice, not a default. V2 dropped ticks and forecasts older than two years (and 1-minute
-- candles older than 90 days) at a daily job measured against the wall clock: a research database loses its history
-- without being asked, and replayed history (the 2013 Bitstamp trades of the demo and the compose stack) vanished at
-- the first run. To keep a bounded history, add the policies yourself, e.g.
--   SELECT add_retention_policy('ticks', INTERVAL '2 years');
-- Compression and the continuous aggregates' refresh policies stay.
SELECT remove_retention_policy('ticks', if_exists => true);
SELECT remove_retention_policy('forecasts', if_exists => true);
SELECT remove_retention_policy('candles_1m', if_exists => true);
