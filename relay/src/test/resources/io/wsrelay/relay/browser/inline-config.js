window.__WSRELAY__ = {endpointId: '{{endpointId}}', relay: '{{relay}}', pageUrl: '{{inlinePageUrl}}'};
