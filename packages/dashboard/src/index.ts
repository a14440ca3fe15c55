/**
 * @packageDocumentation
 * Live P&L dashboard served over HTTP with server-sent events.
 */
export {};
