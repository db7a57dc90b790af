-- API discovery (issue "API discovery: AsyncAPI and HAR", docs/discovery.md).
-- What the relay records of an endpoint's sessions: NULL or 'off' = nothing, 'metadata' = per
-- session facts (path, query parameter names, subprotocols, close codes, counts and sizes),
-- 'samples' = metadata plus bounded, masked message contents.
ALTER TABLE endpoint ADD COLUMN capture VARCHAR(16);
ALTER TABLE endpoint ADD CONSTRAINT ck_endpoint_capture CHECK (capture IS NULL OR capture IN ('off', 'metadata', 'samples'));

-- What every relay node has learnt of one endpoint's WebSocket API, merged: each node adds what
-- it learnt since its last flush to this row (read, merge, write in one transaction), so the row
-- holds the union of all nodes and survives restarts. The JSON is bounded by the relay (kinds,
-- schemas, examples and recent sessions are capped), so the row stays a few hundred KiB at most.
CREATE TABLE discovery_aggregate (
    endpoint_id VARCHAR(64) NOT NULL,
    -- The merged aggregate as JSON (format version inside); masked before it was ever stored.
    state       TEXT        NOT NULL,
    -- Flushes merged into this row, from all nodes.
    flushes     BIGINT      NOT NULL DEFAULT 0,
    updated_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_discovery_aggregate PRIMARY KEY (endpoint_id)
);
