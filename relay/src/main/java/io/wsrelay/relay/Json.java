package io.wsrelay.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/** JSON bodies of the relay's HTTP answers (Jackson). Thread-safe. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    /** Longest piece of client input echoed in a detail, in characters. */
    private static final int MAX_ECHO = 64;

    private Json() {
    }

    /** Writes {@code {"error": error, "detail": detail}} with {@code status} and completes {@code callback}. */
    public static void writeError(Response response, Callback callback, int status, String error, String detail) {
        ObjectNode body = MAPPER.createObjectNode().put("error", error).put("detail", detail);
        write(response, callback, status, body);
    }

    /** Writes {@code body} as JSON with {@code status} and completes {@code callback}. */
    public static void write(Response response, Callback callback, int status, Object body) {
        byte[] bytes;
        try {
            bytes = MAPPER.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            callback.failed(e);
            return;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /** Client-supplied text for a detail message: quoted and cut to {@value #MAX_ECHO} characters. */
    public static String quoteForDetail(String value) {
        String v = value.length() > MAX_ECHO ? value.substring(0, MAX_ECHO) + "..." : value;
        return "'" + v + "'";
    }
}
