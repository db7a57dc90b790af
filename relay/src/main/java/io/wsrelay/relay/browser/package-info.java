/**
 * The browser side: the interceptor script the relay serves ({@code interceptor.js}) and the
 * injection of its tag into proxied HTML pages ({@link io.wsrelay.relay.browser.ScriptInjector}).
 */
package io.wsrelay.relay.browser;
