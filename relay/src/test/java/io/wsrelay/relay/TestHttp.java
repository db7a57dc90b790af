package io.wsrelay.relay;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;

/** Plain HTTP calls with the JDK client, each bounded by {@link Timeouts#MESSAGE}. */
public final class TestHttp {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    /** Bodies longer than this, in characters, are sent with {@code Expect: 100-continue}. */
    private static final int EXPECT_CONTINUE_ABOVE = 1024;

    private TestHttp() {
    }

    public static HttpResponse<String> get(URI uri) throws Exception {
        return send(uri, "GET", null, null);
    }

    /**
     * Sends {@code method} to {@code uri} with an optional JSON body and an optional bearer token.
     *
     * @param body  JSON text, or null for no body
     * @param token bearer token, or null for no Authorization header
     */
    public static HttpResponse<String> send(URI uri, String method, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Timeouts.MESSAGE)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (body != null && body.length() > EXPECT_CONTINUE_ABOVE) {
            // As curl does: a server that refuses the body (413) answers before it is sent, instead
            // of closing the connection under a client that is still writing it.
            request.expectContinue(true);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
