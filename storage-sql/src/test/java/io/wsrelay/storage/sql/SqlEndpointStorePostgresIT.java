package io.wsrelay.storage.sql;


/** The store on the real PostgreSQL, in schemas created for this class and dropped after it. */
class SqlEndpointStorePostgresIT extends SqlEndpointStoreContract {

    private final PostgresSchemas schemas = new PostgresSchemas();

    @Override
    SqlStoreConfig freshDatabase() {
        return schemas.create();
    }

    @Override
    void dropDatabases() {
        schemas.close();
    }
}
