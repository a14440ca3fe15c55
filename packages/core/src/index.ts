/**
 * @packageDocumentation
 * Types, fixed-point units, money, clocks, events, the event bus, replay merge, config, errors, logging and metrics for TickerML.
 */
export {};
