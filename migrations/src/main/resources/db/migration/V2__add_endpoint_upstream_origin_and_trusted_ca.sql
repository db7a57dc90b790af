-- Per-endpoint rules for the upstream handshake (issue "Secure and robust by default").
-- Which Origin the relay sends upstream: NULL = the origin of the endpoint's destination (the site
-- the proxied page came from); 'client' = the browser's Origin as received; 'none' = no Origin;
-- anything else = that literal origin, e.g. 'https://app.example.com'.
ALTER TABLE endpoint ADD COLUMN upstream_origin VARCHAR(2048);
-- PEM certificate(s) the relay trusts, instead of the JVM's default trust store, for this
-- endpoint's wss:// upstreams (a private CA or a self-signed certificate); NULL = default trust.
ALTER TABLE endpoint ADD COLUMN trusted_ca VARCHAR(65536);
