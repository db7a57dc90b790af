/*
 * wsrelay interceptor: sends a proxied page's WebSockets through wsrelay.
 *
 * Load it first in the page, before any script of the page, with its per-page configuration:
 *
 *   <script src="{relay}/ws-proxy/interceptor.js" data-endpoint-id="ID" data-relay="{relay}"
 *           data-page-url="{original page URL}"></script>
 *
 * or set window.__WSRELAY__ = {endpointId, relay, pageUrl} in an inline script before the tag.
 * Tag attributes win over window.__WSRELAY__; the tag removes itself once read. `relay` is the
 * relay's public base URL (http(s):// or ws(s)://, possibly with a path prefix; relative means
 * relative to the document); when absent it is taken from the script's own src if that ends in
 * /ws-proxy/interceptor.js. `pageUrl` is the page's original URL, the base for relative socket
 * URLs. Without an endpoint id, a page URL or a relay base, nothing is installed.
 *
 * new WebSocket(url, protocols) then opens a native WebSocket to
 *
 *   {relay as ws(s)}/ws-proxy{path}?{query}&endpointId=ID[&endpointHost=H][&endpointScheme=S]
 *
 * where {path} and {query} are the target URL's path and query exactly as the browser would have
 * sent them (query and '&' are left out when the target's query is absent or empty). The script's
 * parameters always come last, as one group in that order, percent-encoded with encodeURIComponent;
 * the relay takes only that trailing group as its own (a page's own endpointHost or endpointScheme
 * before it goes upstream) and recovers the page's query byte for byte by cutting it off the end.
 *
 * Foreign hosts: the browser does not know the endpoint's destination, so the script compares
 * the target with the page's original URL instead. A target whose host (with its port when not
 * the default one) differs from the page URL's, or whose scheme differs from the one the page URL
 * implies (http -> ws, https -> wss), is foreign: the script adds endpointHost=host[:port], and
 * endpointScheme=ws|wss when the scheme differs. Without them the relay connects to the
 * endpoint's destination. With them it connects to that host and scheme only if the endpoint's
 * allow-list has the host, and refuses the upgrade with 403 otherwise (the page sees a failed
 * connection: an error event, then close code 1006).
 *
 * The socket is a native WebSocket pointed at the relay, so readyState, protocol, extensions,
 * bufferedAmount, binaryType, events and close codes are the browser's own. The native
 * constructor also throws the native errors for bad protocols, calls without `new` and URLs it
 * rejects. What a page can still tell: ws.url and the constructor are not [native code] in
 * Function.prototype.toString; window carries Symbol.for('wsrelay.interceptor'); sockets opened
 * from workers or from the native constructor of another frame (e.g. about:blank) are not
 * relayed; the handshake (Origin, cookies, Host) is made to the relay, not the original host.
 * Loading this script a second time changes nothing.
 */
(() => {
  'use strict';

  const global = globalThis;
  const MARK = Symbol.for('wsrelay.interceptor');
  const NativeWebSocket = global.WebSocket;
  const script = document.currentScript;
  const data = script !== null ? Object.assign({}, script.dataset) : {};
  const src = script !== null ? script.src : '';
  // The page's DOM stays as it was written; the configuration has been read.
  if (script !== null && script.parentNode !== null) {
    script.parentNode.removeChild(script);
  }
  if (typeof NativeWebSocket !== 'function' || Object.prototype.hasOwnProperty.call(global, MARK)) {
    return;
  }
  const config = readConfig(data, global.__WSRELAY__, src);
  if (config === null) {
    return;
  }

  const originalUrls = new WeakMap();

  /** Reads and checks the configuration; warns and returns null when it is unusable. */
  function readConfig(data, inline, src) {
    const fallback = inline !== null && typeof inline === 'object' ? inline : {};
    const endpointId = data.endpointId || fallback.endpointId;
    const pageUrl = data.pageUrl || fallback.pageUrl;
    const served = /^(.*)\/ws-proxy\/interceptor\.js(?:[?#].*)?$/.exec(src);
    const relay = data.relay || fallback.relay || (served !== null ? served[1] : '');
    const page = parse(pageUrl, undefined);
    const base = relay ? parse(relay, document.baseURI) : null;
    const problem = !endpointId ? 'no endpoint id'
      : page === null || !/^https?:$/.test(page.protocol) ? 'page URL is not an absolute http(s) URL'
        : base === null || !/^(?:http|ws)s?:$/.test(base.protocol) ? 'no http(s) or ws(s) relay base URL'
          : null;
    if (problem !== null) {
      console.warn('wsrelay: WebSockets are not relayed: ' + problem);
      return null;
    }
    return {
      endpointId: String(endpointId),
      pageUrl: page.href,
      pageHost: page.host,
      pageScheme: page.protocol === 'https:' ? 'wss:' : 'ws:',
      relayPrefix: (base.protocol === 'https:' || base.protocol === 'wss:' ? 'wss://' : 'ws://')
        + base.host + base.pathname.replace(/\/+$/, '') + '/ws-proxy',
    };
  }

  function parse(url, base) {
    try {
      return new URL(url, base);
    } catch (e) {
      return null;
    }
  }

  /**
   * Maps a target URL, already resolved against the page URL, to its relay URL; returns null
   * when its scheme cannot carry a WebSocket. Keeps a fragment, which the native constructor
   * then rejects with its own error.
   */
  function relayUrl(target) {
    if (target.protocol === 'http:' || target.protocol === 'https:') {
      target.protocol = target.protocol === 'https:' ? 'wss:' : 'ws:';
    } else if (target.protocol !== 'ws:' && target.protocol !== 'wss:') {
      return null;
    }
    // The serialization, not target.search / target.hash: those hide an empty query or fragment.
    const href = target.href;
    const hashAt = href.indexOf('#');
    const beforeHash = hashAt < 0 ? href : href.slice(0, hashAt);
    const queryAt = beforeHash.indexOf('?');
    const query = queryAt < 0 ? '' : beforeHash.slice(queryAt + 1);
    let params = 'endpointId=' + encodeURIComponent(config.endpointId);
    const otherScheme = target.protocol !== config.pageScheme;
    if (otherScheme || target.host !== config.pageHost) {
      params += '&endpointHost=' + encodeURIComponent(target.host);
    }
    if (otherScheme) {
      params += '&endpointScheme=' + target.protocol.slice(0, -1);
    }
    return config.relayPrefix + target.pathname + '?' + (query === '' ? '' : query + '&') + params
      + (hashAt < 0 ? '' : href.slice(hashAt));
  }

  /**
   * Throws what the native constructor throws for `args`, which it rejects before it connects
   * anywhere. Should a browser accept them after all, the socket is closed at once and a
   * SyntaxError with `message` thrown instead.
   */
  function throwNative(args, newTarget, message) {
    Reflect.construct(NativeWebSocket, args, newTarget).close();
    throw syntaxError(message);
  }

  function syntaxError(message) {
    return new DOMException("Failed to construct 'WebSocket': " + message, 'SyntaxError');
  }

  function WebSocket(url) {
    if (new.target === undefined) {
      return Reflect.apply(NativeWebSocket, this, arguments); // the native "use new" TypeError
    }
    if (arguments.length === 0 || typeof url === 'symbol') {
      return Reflect.construct(NativeWebSocket, arguments, new.target); // the native TypeError
    }
    const input = `${url}`;
    const target = parse(input, config.pageUrl);
    if (target === null) {
      const message = "The URL '" + input + "' is invalid.";
      // What fails against the page URL fails against any http(s) base, the document's included,
      // so the native constructor rejects it too. The check keeps that an invariant, not a hope.
      if (parse(input, document.baseURI) !== null) {
        throw syntaxError(message);
      }
      throwNative([input], new.target, message);
    }
    const routed = relayUrl(target);
    if (routed === null) {
      throwNative([target.href], new.target, "The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '"
        + target.protocol.slice(0, -1) + "' is not allowed.");
    }
    const args = arguments.length > 1 ? [routed, arguments[1]] : [routed];
    const socket = Reflect.construct(NativeWebSocket, args, new.target);
    originalUrls.set(socket, target.href);
    return socket;
  }

  // Same shape as the native interface object: prototype, constants, name, length, [[Prototype]].
  const proto = NativeWebSocket.prototype;
  for (const key of Reflect.ownKeys(NativeWebSocket)) {
    Object.defineProperty(WebSocket, key, Object.getOwnPropertyDescriptor(NativeWebSocket, key));
  }
  Object.setPrototypeOf(WebSocket, Object.getPrototypeOf(NativeWebSocket));
  Object.defineProperty(proto, 'constructor',
    Object.assign(Object.getOwnPropertyDescriptor(proto, 'constructor'), {value: WebSocket}));

  const nativeUrl = Object.getOwnPropertyDescriptor(proto, 'url');
  const accessors = {
    get url() {
      const original = originalUrls.get(this);
      return original !== undefined ? original : Reflect.apply(nativeUrl.get, this, []);
    },
  };
  Object.defineProperty(proto, 'url', Object.assign({}, nativeUrl,
    {get: Object.getOwnPropertyDescriptor(accessors, 'url').get}));

  Object.defineProperty(global, 'WebSocket', Object.assign(
    {writable: true, enumerable: false, configurable: true},
    Object.getOwnPropertyDescriptor(global, 'WebSocket'), {value: WebSocket}));
  Object.defineProperty(global, MARK, {value: true});
})();
