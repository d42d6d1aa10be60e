-- The model versions of a symbol and the time each one covers, for the dashboard's model picker and for reads of
-- one version's forecasts: without it, finding a symbol's versions means reading all of its forecasts, and an old
-- version's last forecast is found only after stepping back over every newer one.
CREATE INDEX forecasts_symbol_version_ts ON forecasts (symbol, model_version, ts);
