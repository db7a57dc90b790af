package io.wsrelay.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one JSON shape of this module's output: snake_case keys, one line, nulls written out
 * (Jackson's default) so every report of a mode has the same keys.
 */
final class Json {

    private Json() {
    }

    /** A new mapper; reports are written a handful of times per process, so none is shared. */
    static ObjectMapper mapper() {
        return JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .build();
    }
}
