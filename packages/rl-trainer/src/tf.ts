/**
 * The one place that loads TensorFlow.js: tfjs-core, the CPU and WASM backends, and the union
 * package for its side effect of registering every kernel's gradient (tfjs-core's Node bundle
 * registers none, so `tf.variableGrads` would fail on the first `Sum`). Model code uses only
 * tfjs-core ops through this module; nothing here uses tfjs-layers.
 *
 * tfjs runs with its `PROD` flag set: its console warnings (the "install tfjs-node" banner, the
 * "kernel already registered" lines a failed tfjs-node import leaves) are silenced; the backend
 * choice and why others were skipped are reported by `selectBackend` instead.
 *
 * @module
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tfCore from '@tensorflow/tfjs-core';

// Loaded for its side effect only, by a dynamic import: a static `import '@tensorflow/tfjs'` is
// kept in this module's .d.ts and drags tfjs-layers' declarations, which do not type-check
// under a strict consumer (skipLibCheck false), into every project importing @tickerml/rl-trainer.
await import('@tensorflow/tfjs');

tfCore.env().set('PROD', true);

export * as tf from '@tensorflow/tfjs-core';
