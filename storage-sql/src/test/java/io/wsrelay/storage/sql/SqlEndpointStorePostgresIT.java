package io.wsrelay.storage.sql;

import io.wsrelay.relay.config.RelayConfig;

/** The store on the real PostgreSQL, in schemas created for this class and dropped after it. */
class SqlEndpointStorePostgresIT extends SqlEndpointStoreContract {

    private final PostgresSchemas schemas = new PostgresSchemas();

    @Override
    RelayConfig.Store freshDatabase() {
        return schemas.create();
    }

    @Override
    void dropDatabases() {
        schemas.close();
    }
}
