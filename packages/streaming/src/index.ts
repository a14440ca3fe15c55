/**
 * @packageDocumentation
 * Kafka (kafkajs) implementation of the TickerML event bus.
 */
export {};
