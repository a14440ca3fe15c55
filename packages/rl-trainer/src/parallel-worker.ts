/**
 * A gradient worker (see `parallel.ts`): holds a copy of the model on its own TensorFlow.js
 * backend and answers each request with the gradients of the loss over its shard of the batch.
 *
 * @module
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type BackendChoice, selectBackend } from './backend.js';
import { buildContexts, decisionTask } from './decision.js';
import type { ParallelInit, ParallelRequest, ParallelResponse } from './parallel.js';
import { ParameterSet } from './params.js';
import { tf } from './tf.js';

const init = workerData as ParallelInit;
await selectBackend(init.backend as BackendChoice);
const params = ParameterSet.fromArrays(init.specs, new Map(init.weights.map((w) => [w.name, w])));
const task = decisionTask(params, init.task, init.task.normalisation, init.trainable, [], []);
const vars = init.trainable.map((name) => params.get(name));

parentPort?.on('message', (request: ParallelRequest) => {
  if (request.kind === 'close') {
    params.dispose();
    parentPort?.close();
    return;
  }
  request.weights.forEach((data, i) => {
    const v = vars[i] as tf.Variable;
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  });
  const { value, grads } = tf.variableGrads(() => task.loss(request.indices), vars);
  const out = vars.map((v) => (grads[v.name] as tf.Tensor).dataSync() as Float32Array);
  // The loss is a mean over the shard's real (unpadded) steps: that count weighs the shard.
  const { mask } = buildContexts(
    init.task.rows,
    request.indices,
    init.task.decision.context,
    init.task.normalisation,
    init.task.returnScale,
    init.task.decision.riskBuckets,
  );
  const realSteps = mask.reduce((a, b) => a + b, 0);
  const response: ParallelResponse = { loss: value.dataSync()[0] ?? Number.NaN, realSteps, grads: out };
  tf.dispose([value, ...Object.values(grads)]);
  parentPort?.postMessage(
    response,
    out.map((g) => g.buffer as ArrayBuffer),
  );
});
parentPort?.postMessage({ ready: true });
