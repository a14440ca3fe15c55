/**
 * @packageDocumentation
 * The tickerml command-line tool.
 */
export {};
