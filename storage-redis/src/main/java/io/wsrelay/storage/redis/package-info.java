/**
 * The Redis endpoint store: a read-through cache in Redis (Jedis), and optionally in-process
 * (Caffeine), in front of the SQL store, kept fresh on every relay node by pub/sub invalidations.
 */
package io.wsrelay.storage.redis;
