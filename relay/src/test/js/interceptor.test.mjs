// URL rewriting and configuration of interceptor.js, run with `node --test` (Node 18+) by
// InterceptorRewriteTest. The script runs in a fresh vm context per case, in front of a
// recording stand-in for the browser's WebSocket; BrowserInterceptorIT checks the real one.
import {test} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import vm from 'node:vm';

const SOURCE = readFileSync(new URL('../../main/resources/io/wsrelay/relay/browser/interceptor.js', import.meta.url), 'utf8');

// Records what the interceptor hands to the browser's constructor.
const NATIVE = `
  globalThis.opened = [];
  globalThis.WebSocket = class WebSocket extends EventTarget {
    constructor(url, protocols) {
      super();
      opened.push({url, protocols, argc: arguments.length});
      this.relayedTo = url;
    }
    get url() { return this.relayedTo; }
    close() {}
  };
  ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'].forEach((name, value) =>
    Object.defineProperty(WebSocket, name, {value, enumerable: true}));
`;

const PAGE = 'https://example.com/app/page.html';
const TAG = {endpointId: 'e1', relay: 'https://relay.test', pageUrl: PAGE};

function load(dataset, {inline, src = '', times = 1} = {}) {
  const warnings = [];
  const tag = {dataset: {...dataset}, src, removed: false};
  tag.parentNode = {removeChild: (node) => { node.removed = true; }};
  const context = vm.createContext({
    URL, DOMException, EventTarget,
    console: {warn: (message) => warnings.push(message)},
    document: {currentScript: tag, baseURI: 'http://proxy.test/p/page.html'},
  });
  vm.runInContext(NATIVE, context);
  const native = context.WebSocket;
  if (inline !== undefined) {
    context.__WSRELAY__ = inline;
  }
  for (let i = 0; i < times; i++) {
    vm.runInContext(SOURCE, context, {filename: 'interceptor.js'});
  }
  return {context, native, tag, warnings};
}

function relayUrlOf(url, dataset = TAG, options = {}) {
  const {context} = load(dataset, options);
  new context.WebSocket(url);
  return context.opened[0].url;
}

const rewrites = [
  ['wss://example.com/ws', 'wss://relay.test/ws-proxy/ws?endpointId=e1'],
  ['wss://example.com/', 'wss://relay.test/ws-proxy/?endpointId=e1'],
  ['wss://example.com', 'wss://relay.test/ws-proxy/?endpointId=e1'],
  ['wss://example.com/socket.io/?EIO=4&transport=websocket',
    'wss://relay.test/ws-proxy/socket.io/?EIO=4&transport=websocket&endpointId=e1'],
  ['wss://example.com/live?a=%2F&b=a+b&c=%zz&&', 'wss://relay.test/ws-proxy/live?a=%2F&b=a+b&c=%zz&&&endpointId=e1'],
  ['wss://example.com/a%2Fb/c;v=1', 'wss://relay.test/ws-proxy/a%2Fb/c;v=1?endpointId=e1'],
  ['wss://example.com/ü x?q=ü x', 'wss://relay.test/ws-proxy/%C3%BC%20x?q=%C3%BC%20x&endpointId=e1'],
  ['wss://example.com/ws?', 'wss://relay.test/ws-proxy/ws?endpointId=e1'],
  ['ws', 'wss://relay.test/ws-proxy/app/ws?endpointId=e1'],
  ['../feed?x=1', 'wss://relay.test/ws-proxy/feed?x=1&endpointId=e1'],
  ['/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1'],
  ['//example.com/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1'],
  ['https://example.com/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1'],
  ['https://example.com:443/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1'],
  ['HTTPS://EXAMPLE.com/Feed', 'wss://relay.test/ws-proxy/Feed?endpointId=e1'],
  ['http://example.com/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1&endpointHost=example.com&endpointScheme=ws'],
  ['ws://example.com/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1&endpointHost=example.com&endpointScheme=ws'],
  ['wss://api.example.com/feed?x', 'wss://relay.test/ws-proxy/feed?x&endpointId=e1&endpointHost=api.example.com'],
  ['wss://example.com:8443/feed', 'wss://relay.test/ws-proxy/feed?endpointId=e1&endpointHost=example.com%3A8443'],
  ['ws://example.com:443/feed',
    'wss://relay.test/ws-proxy/feed?endpointId=e1&endpointHost=example.com%3A443&endpointScheme=ws'],
  ['wss://[::1]:9000/x', 'wss://relay.test/ws-proxy/x?endpointId=e1&endpointHost=%5B%3A%3A1%5D%3A9000'],
  ['wss://bücher.example/x', 'wss://relay.test/ws-proxy/x?endpointId=e1&endpointHost=xn--bcher-kva.example'],
  // A page's own relay-named parameters stay before the script's one trailing group, where the
  // relay (UpstreamUri.stripRelayParameters) leaves them to the page.
  ['wss://example.com/feed?endpointScheme=foo',
    'wss://relay.test/ws-proxy/feed?endpointScheme=foo&endpointId=e1'],
  ['wss://example.com/feed?endpointHost=h&endpointId=mine&endpointScheme=ws',
    'wss://relay.test/ws-proxy/feed?endpointHost=h&endpointId=mine&endpointScheme=ws&endpointId=e1'],
  ['ws://example.com/feed?endpointScheme=wss&endpointHost=x',
    'wss://relay.test/ws-proxy/feed?endpointScheme=wss&endpointHost=x&endpointId=e1&endpointHost=example.com'
      + '&endpointScheme=ws'],
];

for (const [url, expected] of rewrites) {
  test(`rewrites ${url} to ${expected}`, () => {
    assert.equal(relayUrlOf(url), expected);
  });
}

test('keeps a fragment for the native constructor to reject', () => {
  assert.equal(relayUrlOf('wss://example.com/ws?a#top'), 'wss://relay.test/ws-proxy/ws?a&endpointId=e1#top');
});

test('encodes the endpoint id as a query component', () => {
  assert.equal(relayUrlOf('/ws', {...TAG, endpointId: 'a b&c=d/é'}),
    'wss://relay.test/ws-proxy/ws?endpointId=a%20b%26c%3Dd%2F%C3%A9');
});

const relayBases = [
  ['http://relay.test:3001', 'ws://relay.test:3001/ws-proxy/ws?endpointId=e1'],
  ['https://relay.test', 'wss://relay.test/ws-proxy/ws?endpointId=e1'],
  ['ws://relay.test:3001/', 'ws://relay.test:3001/ws-proxy/ws?endpointId=e1'],
  ['wss://relay.test/prefix/', 'wss://relay.test/prefix/ws-proxy/ws?endpointId=e1'],
  ['https://relay.test/a/b?ignored#too', 'wss://relay.test/a/b/ws-proxy/ws?endpointId=e1'],
  ['/', 'ws://proxy.test/ws-proxy/ws?endpointId=e1'],
];

for (const [relay, expected] of relayBases) {
  test(`maps relay base ${relay}`, () => {
    assert.equal(relayUrlOf('/ws', {...TAG, relay}), expected);
  });
}

test('takes the relay base from its own src when data-relay is absent', () => {
  const {relay, ...rest} = TAG;
  assert.equal(relayUrlOf('/ws', rest, {src: 'https://cdn.relay.test/r/ws-proxy/interceptor.js?v=2'}),
    'wss://cdn.relay.test/r/ws-proxy/ws?endpointId=e1');
});

test('reads window.__WSRELAY__ when the tag has no data attributes', () => {
  assert.equal(relayUrlOf('/ws', {}, {inline: {endpointId: 'inline', relay: 'http://r.test', pageUrl: PAGE}}),
    'ws://r.test/ws-proxy/ws?endpointId=inline');
});

test('prefers tag attributes over window.__WSRELAY__', () => {
  assert.equal(relayUrlOf('/ws', TAG, {inline: {endpointId: 'inline', relay: 'http://r.test', pageUrl: PAGE}}),
    'wss://relay.test/ws-proxy/ws?endpointId=e1');
});

test('reports the original URL, resolved and mapped to ws(s), as ws.url', () => {
  const {context} = load(TAG);
  assert.equal(new context.WebSocket('feed?a=1').url, 'wss://example.com/app/feed?a=1');
  assert.equal(new context.WebSocket('http://example.com:80/x').url, 'ws://example.com/x');
});

test('passes protocols through as given, and none when absent', () => {
  const {context} = load(TAG);
  const list = ['chat', 'superchat'];
  new context.WebSocket('/a');
  new context.WebSocket('/b', 'chat');
  new context.WebSocket('/c', list);
  new context.WebSocket('/d', undefined);
  assert.deepEqual(Array.from(context.opened, (o) => o.argc), [1, 2, 2, 2]);
  assert.equal(context.opened[1].protocols, 'chat');
  assert.equal(context.opened[2].protocols, list);
});

test('wraps once when loaded twice', () => {
  const {context} = load(TAG, {times: 2});
  new context.WebSocket('wss://example.com/ws');
  assert.equal(context.opened[0].url, 'wss://relay.test/ws-proxy/ws?endpointId=e1');
});

test('keeps the native constructor shape', () => {
  const {context, native} = load(TAG);
  const ws = new context.WebSocket('/ws');
  assert.notEqual(context.WebSocket, native);
  assert.ok(ws instanceof context.WebSocket);
  assert.equal(ws.constructor, context.WebSocket);
  assert.equal(context.WebSocket.OPEN, 1);
  assert.equal(context.WebSocket.name, 'WebSocket');
  assert.equal(Object.getPrototypeOf(context.WebSocket), Object.getPrototypeOf(native));
  assert.deepEqual(Object.getOwnPropertyDescriptor(context, 'WebSocket'),
    {value: context.WebSocket, writable: true, enumerable: true, configurable: true});
});

test('throws a SyntaxError DOMException for a scheme that cannot carry a WebSocket', () => {
  const {context} = load(TAG);
  assert.throws(() => new context.WebSocket('ftp://example.com/x'), {name: 'SyntaxError'});
});

test('removes its script tag', () => {
  assert.equal(load(TAG).tag.removed, true);
});

const unusable = [
  ['no endpoint id', {relay: TAG.relay, pageUrl: PAGE}],
  ['a relative page URL', {...TAG, pageUrl: '/app/page.html'}],
  ['a page URL that is not http(s)', {...TAG, pageUrl: 'file:///tmp/page.html'}],
  ['a relay base that is not http(s) or ws(s)', {...TAG, relay: 'ftp://relay.test'}],
  ['no relay base and no src to take it from', {endpointId: 'e1', pageUrl: PAGE}],
];

for (const [what, dataset] of unusable) {
  test(`leaves WebSocket alone and warns given ${what}`, () => {
    const {context, native, warnings} = load(dataset);
    assert.equal(context.WebSocket, native);
    assert.equal(warnings.length, 1);
  });
}

test('leaves WebSocket alone when served from elsewhere without data-relay', () => {
  const {context, native, warnings} = load({endpointId: 'e1', pageUrl: PAGE}, {src: 'https://cdn.test/wsrelay.js'});
  assert.equal(context.WebSocket, native);
  assert.equal(warnings.length, 1);
});
