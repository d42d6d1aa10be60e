-- Grafana's role: it may read what the mamba-ts migrations create, and nothing else (Grafana runs any SQL a dashboard
-- editor types). psql variables: reader (role name), password, owner (the role the sink migrates the schema as).
-- The tables and views do not exist yet when this runs, so the grant is a default privilege of their future owner.
CREATE ROLE :"reader" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
GRANT USAGE ON SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"reader";
