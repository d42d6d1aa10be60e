-- Horizons as the model writes them (features/Horizon): a number, optional spaces, then a unit in any case: tick or
-- ticks, s, m, h, d; ms is kept from V1. V1 read only lowercase ms/s/m/h with no space, so the forecasts of daily
-- models ('1d', '5d') and of labels such as '10S' never appeared in forecast_errors. A day is 24 hours, as in the
-- model (sessions are UTC, so this is the same as a calendar day).
-- Cost: the error summary calls these several times for every forecast it reads, so each stays a chain of plain
-- matches, tick horizons first (one match where V1 made four), and no form costs more matches than in V1 but '1d'.
-- Measured on an hour of one symbol's forecasts (54,000, three horizons; the error summary's query in psql, the
-- versions alternated five times): V1 1.21-1.25 s, these 1.21-1.58 s (median 1.26 s); one capturing expression
-- with lower() per call took about 1.5x V1's time and was not kept.
CREATE OR REPLACE FUNCTION horizon_interval(h text) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN h ~* '^[0-9]+ *ticks?$' THEN NULL
        WHEN h ~* '^[0-9]+ *s$'  THEN make_interval(secs => substring(h from '^[0-9]+')::double precision)
        WHEN h ~* '^[0-9]+ *m$'  THEN make_interval(mins => substring(h from '^[0-9]+')::integer)
        WHEN h ~* '^[0-9]+ *h$'  THEN make_interval(hours => substring(h from '^[0-9]+')::integer)
        WHEN h ~* '^[0-9]+ *d$'  THEN make_interval(hours => 24 * substring(h from '^[0-9]+')::integer)
        WHEN h ~* '^[0-9]+ *ms$' THEN make_interval(secs => substring(h from '^[0-9]+')::double precision / 1000)
        ELSE NULL END
$$;

CREATE OR REPLACE FUNCTION horizon_ticks(h text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN h ~* '^[0-9]+ *ticks?$' THEN substring(h from '^[0-9]+')::integer ELSE NULL END
$$;
