-- One row per relayed endpoint: where its WebSockets go and the rules they follow.
-- Portable SQL: the same script runs on PostgreSQL and on the embedded H2 database
-- (PostgreSQL compatibility mode), and jOOQ generates its classes from it.
CREATE TABLE endpoint (
    -- Key chosen by the proxying app; the browser script sends it as ?endpointId=.
    id               VARCHAR(64)   NOT NULL,
    -- Base URL of the upstream: ws://, wss://, http:// or https:// (the last two map to ws/wss).
    destination_url  VARCHAR(2048) NOT NULL,
    status           VARCHAR(16)   NOT NULL DEFAULT 'ACTIVE',
    -- JSON array of extra upstream hosts ("host" or "host:port") a page may reach; NULL = none.
    allowed_hosts    VARCHAR(8192),
    -- JSON array of Origins allowed to open sockets; NULL = the relay-wide rule applies.
    allowed_origins  VARCHAR(8192),
    -- Concurrent relayed sessions for this endpoint; NULL = only the relay-wide limit applies.
    max_connections  INTEGER,
    -- JSON object of headers added to the upstream opening handshake (e.g. an API key).
    upstream_headers VARCHAR(8192),
    created_at       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_endpoint PRIMARY KEY (id),
    CONSTRAINT ck_endpoint_status CHECK (status IN ('ACTIVE', 'INACTIVE')),
    CONSTRAINT ck_endpoint_max_connections CHECK (max_connections IS NULL OR max_connections > 0)
);
