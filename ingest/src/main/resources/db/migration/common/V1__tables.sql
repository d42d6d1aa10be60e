-- Tables shared by both paths (plain PostgreSQL and TimescaleDB). Every unique key includes ts, as hypertables require.

-- Market ticks. seq is the per-symbol sequence number (-1 when the source has none); the unique key also covers
-- price and size so that sources without seq still deduplicate exact repeats.
CREATE TABLE ticks (
    symbol text             NOT NULL,
    ts     timestamptz      NOT NULL,
    price  double precision NOT NULL,
    size   double precision NOT NULL,
    bid    double precision,
    ask    double precision,
    seq    bigint           NOT NULL DEFAULT -1,
    CONSTRAINT ticks_key UNIQUE (symbol, ts, seq, price, size)
);

-- One forecast per (symbol, event time of the tick, its seq, horizon, model, model version): writing it twice stores
-- it once. levels/log_returns hold the full quantile set; q10/q50/q90 (quantiles of the predicted log return) and
-- p10/p50/p90 (implied price levels, price * exp(q)) are the usual levels as columns, NULL when not predicted.
CREATE TABLE forecasts (
    symbol        text             NOT NULL,
    ts            timestamptz      NOT NULL,
    seq           bigint           NOT NULL,
    horizon       text             NOT NULL,
    model         text             NOT NULL,
    model_version text             NOT NULL,
    price         double precision NOT NULL,
    levels        real[]           NOT NULL,
    log_returns   real[]           NOT NULL,
    q10           real,
    q50           real,
    q90           real,
    p10           double precision,
    p50           double precision,
    p90           double precision,
    CONSTRAINT forecasts_pkey PRIMARY KEY (symbol, ts, seq, horizon, model, model_version)
);

-- Trained models: configuration (config.json) and training provenance (data range, seed, metrics, git commit ...).
CREATE TABLE models (
    name       text        NOT NULL,
    version    text        NOT NULL,
    config     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    provenance jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (name, version)
);

-- Backtest runs with their configuration, metrics and the data range they replayed.
CREATE TABLE backtest_runs (
    id            bigserial PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    model         text,
    model_version text,
    symbols       text[],
    data_from     timestamptz,
    data_to       timestamptz,
    config        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    metrics       jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX backtest_runs_created_at ON backtest_runs (created_at);

-- The sink's consumer positions, written in the same transaction as the rows they cover (exactly once).
CREATE TABLE sink_offsets (
    group_id    text        NOT NULL,
    topic       text        NOT NULL,
    partition   integer     NOT NULL,
    next_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (group_id, topic, partition)
);

-- A horizon such as '10s', '60s', '5m', '1h', '250ms' as an interval; NULL for tick horizons ('1tick', '10ticks').
CREATE FUNCTION horizon_interval(h text) RETURNS interval
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN h ~ '^[0-9]+ms$' THEN make_interval(secs => substring(h from '^[0-9]+')::double precision / 1000)
        WHEN h ~ '^[0-9]+s$'  THEN make_interval(secs => substring(h from '^[0-9]+')::double precision)
        WHEN h ~ '^[0-9]+m$'  THEN make_interval(mins => substring(h from '^[0-9]+')::integer)
        WHEN h ~ '^[0-9]+h$'  THEN make_interval(hours => substring(h from '^[0-9]+')::integer)
        ELSE NULL END
$$;

-- The number of ticks of a tick horizon ('1tick' -> 1, '10ticks' -> 10); NULL for time horizons.
CREATE FUNCTION horizon_ticks(h text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN h ~ '^[0-9]+ticks?$' THEN substring(h from '^[0-9]+')::integer ELSE NULL END
$$;
