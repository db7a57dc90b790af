package io.wsrelay.relay.browser;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves the {@link InterceptorScript} at {@value InterceptorScript#PATH} and leaves every other
 * request to the next handler.
 *
 * <p>Answers {@code GET} and {@code HEAD} of exactly that path (any query is ignored) with
 * {@code 200}, or {@code 304} when {@code If-None-Match} names the script's ETag (weak
 * comparison, {@code *} included, as RFC 9110 section 13.1.2 asks). Other methods on the path get
 * {@code 405} with {@code Allow: GET, HEAD}. A WebSocket upgrade of that path (an HTTP/1.1
 * {@code Upgrade: websocket} request or an HTTP/2 {@code CONNECT}) is not answered here: it is a
 * page's socket to {@code .../interceptor.js} and belongs to the relay. Other upgrade offers,
 * such as the {@code h2c} one of the JDK client, get the script.
 *
 * <p>Put it in front of the WebSocket upgrade handler, for example in a
 * {@code Handler.Sequence}. Never blocks; safe for any number of concurrent requests.
 */
public final class InterceptorScriptHandler extends Handler.Abstract.NonBlocking {

    /**
     * Browsers may reuse the script for an hour without asking; after that a revalidation costs
     * a 304. A relay upgrade reaches every page within the hour.
     */
    static final String CACHE_CONTROL = "public, max-age=3600";
    static final String ALLOW = "GET, HEAD";
    /**
     * {@code *}, or one entity tag of a list, weak or not; group 1 is the quoted opaque tag.
     * Entity tags cannot contain {@code "}, so a list needs no other parsing (RFC 9110 8.8.3).
     */
    private static final Pattern ENTITY_TAG = Pattern.compile("\\*|(?:W/)?(\"[^\"]*\")");

    private final InterceptorScript script;

    private InterceptorScriptHandler(InterceptorScript script) {
        this.script = Objects.requireNonNull(script, "script");
    }

    /** A handler serving {@code script}. */
    public static InterceptorScriptHandler create(InterceptorScript script) {
        return new InterceptorScriptHandler(script);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        if (!InterceptorScript.PATH.equals(Request.getPathInContext(request))
                || request.getHeaders().contains(HttpHeader.UPGRADE, "websocket")
                || HttpMethod.CONNECT.is(method)) {
            return false;
        }
        boolean head = HttpMethod.HEAD.is(method);
        if (!head && !HttpMethod.GET.is(method)) {
            response.getHeaders().put(HttpHeader.ALLOW, ALLOW);
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        response.getHeaders().put(HttpHeader.ETAG, script.etag());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, CACHE_CONTROL);
        if (matchesCurrent(request.getHeaders().getValuesList(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            callback.succeeded();
            return true;
        }
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, InterceptorScript.CONTENT_TYPE);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, script.length());
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        // Pages of any origin load it, also under Cross-Origin-Embedder-Policy: require-corp.
        response.getHeaders().put("Cross-Origin-Resource-Policy", "cross-origin");
        response.getHeaders().put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        response.write(true, head ? null : script.content(), callback);
        return true;
    }

    private boolean matchesCurrent(List<String> ifNoneMatch) {
        for (String value : ifNoneMatch) {
            Matcher tag = ENTITY_TAG.matcher(value);
            while (tag.find()) {
                if (tag.group(1) == null || tag.group(1).equals(script.etag())) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "InterceptorScriptHandler{" + InterceptorScript.PATH + ", " + script + "}";
    }
}
