/**
 * Picks the TensorFlow.js backend to train on: the fastest one present, or the one asked for.
 *
 * @module
 */
import { BackendUnavailableError } from './errors.js';
import { tf } from './tf.js';

/** What `--backend` accepts: `auto` picks the fastest backend present. */
export const BACKEND_CHOICES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
/** One of {@link BACKEND_CHOICES}. */
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
/** A concrete backend (what {@link selectBackend} settles on). */
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** The outcome of {@link selectBackend}. */
export interface BackendSelection {
  /** The backend now active. */
  readonly backend: BackendName;
  /** tfjs's own name for it (`tensorflow` for both node backends, `wasm`, `cpu`). */
  readonly tfjsName: string;
  /** Each faster backend that was tried and skipped, with why. */
  readonly skipped: readonly { readonly backend: BackendName; readonly reason: string }[];
}

const ORDER: readonly BackendName[] = ['node-gpu', 'node', 'wasm', 'cpu'];

async function tryBackend(name: BackendName): Promise<string> {
  if (name === 'node-gpu' || name === 'node') {
    // Both register the `tensorflow` backend on import; the import fails where libtensorflow
    // was never downloaded (the optional dependency's install script did not run).
    await import(name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
    if (!(await tf.setBackend('tensorflow'))) throw new Error('the tensorflow backend failed to initialise');
    return 'tensorflow';
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  return name;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).slice(0, 200);
}

/**
 * Activates a TensorFlow.js backend. `auto` tries `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node` (both optional dependencies, loaded by dynamic import), then WASM,
 * then the pure-JS CPU backend, and reports why each faster one was skipped; a named backend
 * is used or refused.
 *
 * @param choice - `auto` or one backend.
 * @param log - receives one line naming the backend and the skipped ones (default: none).
 * @returns the active backend and what was skipped.
 * @throws {@link BackendUnavailableError} when a named backend cannot be loaded.
 * @example
 * ```ts
 * const { backend } = await selectBackend('auto', (line) => console.error(line));
 * // "backend: wasm (skipped node-gpu: Cannot find module …; node: …)"
 * ```
 */
export async function selectBackend(
  choice: BackendChoice,
  log: (line: string) => void = () => {},
): Promise<BackendSelection> {
  const skipped: { backend: BackendName; reason: string }[] = [];
  const candidates = choice === 'auto' ? ORDER : [choice];
  for (const backend of candidates) {
    try {
      const tfjsName = await tryBackend(backend);
      const why = skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ');
      log(`backend: ${backend}${skipped.length > 0 ? ` (skipped ${why})` : ''}`);
      return { backend, tfjsName, skipped };
    } catch (error) {
      if (choice !== 'auto') throw new BackendUnavailableError(backend, firstLine(error));
      skipped.push({ backend, reason: firstLine(error) });
    }
  }
  throw new BackendUnavailableError('auto', skipped.map((s) => `${s.backend}: ${s.reason}`).join('; '));
}
