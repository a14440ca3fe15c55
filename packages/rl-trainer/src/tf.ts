/**
 * The one place that loads TensorFlow.js: tfjs-core, the CPU and WASM backends, and the union
 * package for its side effect of registering every kernel's gradient (tfjs-core's Node bundle
 * registers none, so `tf.variableGrads` would fail on the first `Sum`). Model code uses only
 * tfjs-core ops through this module; nothing here uses tfjs-layers.
 *
 * @module
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs';

export * as tf from '@tensorflow/tfjs-core';
