-- What happens to an endpoint's open sessions when it is set INACTIVE or removed (issue "Several
-- relay nodes behind HAProxy"): 'CLOSE' = every relay node closes them within a second (client
-- gets 1008), 'KEEP' = they go on, only new upgrades are refused. NULL = the default, 'CLOSE'.
ALTER TABLE endpoint ADD COLUMN live_sessions VARCHAR(8);
ALTER TABLE endpoint ADD CONSTRAINT ck_endpoint_live_sessions CHECK (live_sessions IS NULL OR live_sessions IN ('CLOSE', 'KEEP'));
