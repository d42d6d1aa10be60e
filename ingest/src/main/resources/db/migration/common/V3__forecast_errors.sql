-- Forecast errors, the same on both paths: each forecast next to the realised log return over its horizon (time
-- horizons: the last tick at or before ts + horizon, once a later tick shows the horizon has passed; tick
-- horizons: the n-th following tick of the symbol by seq). Forecasts whose horizon has not elapsed are left out.
CREATE VIEW forecast_errors AS
SELECT f.symbol, f.ts, f.seq, f.horizon, f.model, f.model_version, f.price, f.q10, f.q50, f.q90, f.p10, f.p50, f.p90,
       r.price                                      AS realised_price,
       ln(r.price / f.price)                        AS realised_log_return,
       ln(r.price / f.price) - f.q50                AS error_q50,
       (ln(r.price / f.price) BETWEEN f.q10 AND f.q90) AS covered_10_90,
       -- pinball loss averaged over the 0.1, 0.5 and 0.9 quantiles
       (  greatest(0.1 * (ln(r.price / f.price) - f.q10), (0.1 - 1) * (ln(r.price / f.price) - f.q10))
        + greatest(0.5 * (ln(r.price / f.price) - f.q50), (0.5 - 1) * (ln(r.price / f.price) - f.q50))
        + greatest(0.9 * (ln(r.price / f.price) - f.q90), (0.9 - 1) * (ln(r.price / f.price) - f.q90))) / 3 AS pinball
FROM forecasts f
CROSS JOIN LATERAL (
    (SELECT t.price FROM ticks t
    WHERE horizon_interval(f.horizon) IS NOT NULL
      AND t.symbol = f.symbol AND t.ts <= f.ts + horizon_interval(f.horizon) AND t.ts >= f.ts
      AND EXISTS (SELECT 1 FROM ticks l WHERE l.symbol = f.symbol AND l.ts >= f.ts + horizon_interval(f.horizon))
    ORDER BY t.ts DESC, t.seq DESC LIMIT 1)
    UNION ALL
    (SELECT n.price FROM (
        SELECT t.price FROM ticks t
        WHERE horizon_ticks(f.horizon) IS NOT NULL AND t.symbol = f.symbol AND t.seq > f.seq
        ORDER BY t.seq LIMIT 1 OFFSET greatest(coalesce(horizon_ticks(f.horizon), 1) - 1, 0)) n)
) r
WHERE f.q10 IS NOT NULL AND f.q50 IS NOT NULL AND f.q90 IS NOT NULL;

-- Hourly forecast-error summary per symbol, horizon and model version.
CREATE VIEW forecast_error_summary AS
SELECT date_trunc('hour', ts)                     AS bucket,
       symbol, horizon, model, model_version,
       count(*)                                   AS n,
       avg(abs(error_q50))                        AS mae_q50,
       avg(error_q50)                             AS bias_q50,
       avg(CASE WHEN covered_10_90 THEN 1.0 ELSE 0.0 END) AS coverage_10_90,
       avg(pinball)                               AS pinball
FROM forecast_errors
GROUP BY 1, 2, 3, 4, 5;
