/**
 * @packageDocumentation
 * Venue adapters (Binance.US, Coinbase, Kraken, KuCoin), recorders, fixture readers and a fault-injecting replay kit for TickerML.
 */
export {};
