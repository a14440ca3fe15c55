/**
 * Loading ccxt, an optional peer dependency: only instrument metadata (`loadInstruments`) and
 * funding history (`fetchFundingHistory`) use it, and only when no exchange factory is given.
 *
 * @module
 */
import { OptionalDependencyMissingError } from '../common/errors.js';

/** The ccxt module's exchange classes by id, as `import('ccxt')` gives them. */
export type CcxtClasses = Record<string, new (config?: object) => unknown>;

/** How ccxt is imported; replaceable in tests to show the missing-module path. */
export type CcxtImporter = () => Promise<{ default: unknown }>;

const importCcxt: CcxtImporter = () => import('ccxt');

/**
 * The ccxt module, loaded on first use.
 * @param needFor - what the caller needed ccxt for, named in the error.
 * @throws {OptionalDependencyMissingError} naming ccxt and how to install it, when it is not installed.
 */
export async function loadCcxt(needFor: string, importer: CcxtImporter = importCcxt): Promise<CcxtClasses> {
  try {
    return (await importer()).default as CcxtClasses;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND')
      throw new OptionalDependencyMissingError(
        `${needFor} needs ccxt, an optional peer dependency of @tickerml/exchanges: npm install ccxt@^4.5.0 (or pass an exchange factory)`,
        { cause: err, details: err instanceof Error ? err.message : String(err) },
      );
    throw err;
  }
}
