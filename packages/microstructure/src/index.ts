/**
 * @packageDocumentation
 * Order books (L2, L3), checksums and streaming microstructure features for TickerML.
 */
export {};
