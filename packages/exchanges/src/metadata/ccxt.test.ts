import { describe, expect, it } from 'vitest';
import { OptionalDependencyMissingError } from '../common/errors.js';
import { loadCcxt } from './ccxt.js';

describe('ccxt as an optional peer dependency', () => {
  it('names ccxt and how to install it when the module is not installed', async () => {
    // A real import of a package that is not installed: the same error Node raises for a missing ccxt.
    const missing = 'ccxt-not-installed-anywhere';
    const err = await loadCcxt('instrument metadata of binanceus', () => import(missing)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OptionalDependencyMissingError);
    expect((err as Error).message).toContain(
      'instrument metadata of binanceus needs ccxt, an optional peer dependency of @tickerml/exchanges: npm install ccxt@^4.5.0',
    );
    expect((err as OptionalDependencyMissingError).details).toContain(missing);
  });

  it('passes other failures through unchanged', async () => {
    const boom = new Error('boom');
    await expect(loadCcxt('x', () => Promise.reject(boom))).rejects.toBe(boom);
  });

  it('loads the installed ccxt (a dev dependency here) with its exchange classes', async () => {
    const ccxt = await loadCcxt('a test');
    expect(typeof ccxt.binanceus).toBe('function');
  });
});
