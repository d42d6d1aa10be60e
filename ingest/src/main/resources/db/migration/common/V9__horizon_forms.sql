-- Horizons as the model writes them (features/Horizon): a number, optional spaces, then a unit in any case: tick or
-- ticks, s, m, h, d; ms is kept from V1. V1 read only lowercase ms/s/m/h with no space, so the forecasts of daily
-- models ('1d', '5d') and of labels such as '10S' never appeared in forecast_errors. A day is 24 hours, as in the
-- model (sessions are UTC, so this is the same as a calendar day). One regular expression per call instead of up to
-- five: the error summary calls these for every forecast it reads.
CREATE OR REPLACE FUNCTION horizon_interval(h text) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE substring(lower(h) from '^\s*[0-9]+\s*([a-z]+)\s*$')
        WHEN 'ms' THEN make_interval(secs => substring(h from '[0-9]+')::double precision / 1000)
        WHEN 's'  THEN make_interval(secs => substring(h from '[0-9]+')::double precision)
        WHEN 'm'  THEN make_interval(mins => substring(h from '[0-9]+')::integer)
        WHEN 'h'  THEN make_interval(hours => substring(h from '[0-9]+')::integer)
        WHEN 'd'  THEN make_interval(hours => 24 * substring(h from '[0-9]+')::integer)
        ELSE NULL END
$$;

CREATE OR REPLACE FUNCTION horizon_ticks(h text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN substring(lower(h) from '^\s*[0-9]+\s*([a-z]+)\s*$') IN ('tick', 'ticks')
                THEN substring(h from '[0-9]+')::integer ELSE NULL END
$$;
