#!/bin/sh
# Runs once, when the TimescaleDB container initialises an empty data directory (docker-entrypoint-initdb.d):
# creates Grafana's read-only role from grafana-reader.sql (GRAFANA_READER_SQL names another copy, as the tests do).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v reader="${GRAFANA_DB_USER:-grafana_reader}" -v password="$GRAFANA_DB_PASSWORD" -v owner="$POSTGRES_USER" \
    -f "${GRAFANA_READER_SQL:-/etc/mamba-ts/grafana-reader.sql}"
