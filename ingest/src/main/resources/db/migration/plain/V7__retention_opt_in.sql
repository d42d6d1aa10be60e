-- The Timescale path's V7 removes its retention policies (see timescale/V7__retention_opt_in.sql). The plain path never
-- had any; this keeps both paths at the same schema version.
SELECT 1;
