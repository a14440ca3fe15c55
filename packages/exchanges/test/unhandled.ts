import { afterAll, beforeAll } from 'vitest';

/**
 * Collects every unhandled promise rejection raised while the calling test file runs (listening
 * from its `beforeAll` to its `afterAll`), so tests can assert there were none. Returns the live list.
 */
export function collectUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled);
  });
  return unhandled;
}
