// The page side of BrowserInterceptorIT: opens sockets the way a proxied page does and records
// what it observes in window.__results (a promise of {caseName: observation}). It asserts
// nothing; the JUnit test does. Every case ends within STEP_MS, so the promise always settles.
'use strict';
(() => {
  const STEP_MS = 10000;
  const params = new URLSearchParams(location.search);
  const host = '127.0.0.1:' + params.get('up');
  const otherHost = '127.0.0.1:' + params.get('up2');
  const relayHost = '127.0.0.1:' + params.get('relay');

  async function describe(data) {
    if (typeof data === 'string') {
      return {type: 'text', text: data};
    }
    const type = data instanceof ArrayBuffer ? 'arraybuffer' : data instanceof Blob ? 'blob' : typeof data;
    const buffer = data instanceof Blob ? await data.arrayBuffer() : data;
    return {type, bytes: Array.from(new Uint8Array(buffer))};
  }

  /**
   * Opens a socket, sends `send` once open, closes after `expect` messages (or waits for the
   * server to close when expect is 0) and resolves with what it saw.
   */
  function session(url, protocols, {send = [], expect = 1, binaryType, listeners = false} = {}) {
    return new Promise((resolve) => {
      const ws = protocols === undefined ? new WebSocket(url) : new WebSocket(url, protocols);
      const seen = {url: ws.url, readyStateAtCreation: ws.readyState, binaryTypeAtCreation: ws.binaryType,
        events: [], messages: []};
      const received = [];
      const timer = setTimeout(() => finish({timedOut: true}), STEP_MS);
      function finish(extra) {
        clearTimeout(timer);
        Promise.all(received).then((messages) => resolve(Object.assign(seen, {messages}, extra)));
      }
      const on = {
        open() {
          seen.events.push('open');
          Object.assign(seen, {readyStateAtOpen: ws.readyState, protocol: ws.protocol,
            extensionsType: typeof ws.extensions, bufferedAmountAtOpen: ws.bufferedAmount});
          if (binaryType !== undefined) {
            ws.binaryType = binaryType;
          }
          send.forEach((message) => ws.send(message));
        },
        message(event) {
          seen.events.push('message');
          received.push(describe(event.data));
          if (received.length === expect) {
            ws.close(1000, 'done');
          }
        },
        error() {
          seen.events.push('error');
        },
        close(event) {
          seen.events.push('close');
          Object.assign(seen, {close: {code: event.code, reason: event.reason, wasClean: event.wasClean},
            readyStateAtClose: ws.readyState});
          finish({});
        },
      };
      for (const [type, handler] of Object.entries(on)) {
        if (listeners) {
          ws.addEventListener(type, handler);
        } else {
          ws['on' + type] = handler;
        }
      }
    });
  }

  function errorOf(action) {
    try {
      action();
      return {thrown: false};
    } catch (e) {
      return {thrown: true, type: e.constructor.name, name: e.name, message: e.message, code: e.code,
        isDomException: e instanceof DOMException || e.constructor.name === 'DOMException'};
    }
  }

  /** The native constructor, from a frame the proxy did not inject into. */
  function nativeWebSocket() {
    const frame = document.createElement('iframe');
    document.documentElement.appendChild(frame); // cases run in the head: there is no body yet
    return frame.contentWindow.WebSocket;
  }

  function errors() {
    const Native = nativeWebSocket();
    const valid = 'ws://' + relayHost + '/ws-proxy/never-opened';
    const cases = {
      'invalid URL': ['ws://[bad/x'],
      'unsupported scheme': ['ftp://' + host + '/x'],
      'fragment': ['wss://' + host + '/x#frag'],
      'duplicate protocols': [valid, ['chat', 'chat']],
      'invalid protocol': [valid, 'not a token'],
      'empty protocol': [valid, ''],
      'no arguments': [],
    };
    const out = {};
    for (const [label, args] of Object.entries(cases)) {
      out[label] = {ours: errorOf(() => new WebSocket(...args)), native: errorOf(() => new Native(...args))};
    }
    out['call without new'] = {ours: errorOf(() => WebSocket(valid)), native: errorOf(() => Native(valid))};
    return out;
  }

  function shape() {
    const ws = new WebSocket('wss://' + host + '/echo');
    const result = {
      instanceOf: ws instanceof WebSocket,
      constructorIsWebSocket: ws.constructor === WebSocket,
      name: WebSocket.name,
      length: WebSocket.length,
      staticConstants: [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED],
      instanceConstants: [ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED],
      toStringTag: Object.prototype.toString.call(ws),
      prototypeIsEventTarget: Object.getPrototypeOf(WebSocket) === EventTarget,
      isEventTarget: ws instanceof EventTarget,
      globalDescriptor: (({writable, enumerable, configurable}) => ({writable, enumerable, configurable}))(
        Object.getOwnPropertyDescriptor(window, 'WebSocket')),
    };
    ws.close();
    return result;
  }

  async function run(cases) {
    const results = {};
    for (const [name, run] of Object.entries(cases)) {
      try {
        results[name] = await run();
      } catch (e) {
        results[name] = {failed: String(e)};
      }
    }
    return results;
  }

  const inline = window.__WSRELAY__ !== undefined;
  window.__results = run(inline ? {
    'inline config': () => session('echo', undefined, {send: ['inline']}),
  } : {
    'loaded twice': () => ({sameConstructor: window.__afterFirstLoad === WebSocket,
      interceptorTagsLeft: document.querySelectorAll('script[src*="interceptor.js"]').length}),
    'shape': shape,
    'errors': errors,
    'text echo': () => session('wss://' + host + '/echo', undefined, {send: ['hello, ü ✓']}),
    'binary echo as arraybuffer': () => session('wss://' + host + '/echo', undefined,
      {send: [new Uint8Array([0, 1, 127, 128, 255])], binaryType: 'arraybuffer'}),
    'binary echo as blob': () => session('wss://' + host + '/echo', undefined,
      {send: [new Uint8Array([9, 8, 7]).buffer]}),
    'subprotocol from list': () => session('wss://' + host + '/echo?pick=chat', ['superchat', 'chat'], {send: ['p']}),
    'subprotocol as string': () => session('wss://' + host + '/echo?pick=first', 'chat', {send: ['p']}),
    'no subprotocol': () => session('wss://' + host + '/echo', undefined, {send: ['p']}),
    'upstream close': () => session('wss://' + host + '/close?code=4001&reason=upstream%20says%20bye', undefined,
      {send: ['close please'], expect: 0}),
    'relative URL': () => session('echo?x=1&y=%2F%20&z', undefined, {send: ['relative']}),
    'root-relative URL': () => session('/root/echo', undefined, {send: ['root']}),
    'https URL': () => session('https://' + host + '/secure/echo', undefined, {send: ['https']}),
    'addEventListener': () => session('wss://' + host + '/echo', undefined, {send: ['listened'], listeners: true}),
    'allowed foreign host': () => session('wss://' + otherHost + '/foreign/echo', undefined, {send: ['foreign']}),
    'refused foreign host': () => session('wss://evil.example.test/steal', undefined, {send: ['never']}),
    'page relay-named parameters': () => session('wss://' + host + '/echo?endpointScheme=foo&endpointHost=x',
      undefined, {send: ['own params']}),
    'page relay-named parameters, foreign host': () => session('wss://' + otherHost + '/echo?endpointScheme=foo',
      undefined, {send: ['own params elsewhere']}),
  });
})();
