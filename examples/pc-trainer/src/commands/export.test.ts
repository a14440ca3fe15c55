import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readOnnxMetadata, writeModel } from '@tickerml/rl';
import { randomPolicyModel } from '@tickerml/rl-trainer';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../args.js';
import { exportCommand } from './export.js';

function capture(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), isTty: false };
}

const arch = {
  stateDim: 8,
  dModel: 8,
  heads: 2,
  layers: 2,
  dFF: 16,
  maxTokens: 12,
  context: 4,
  riskBuckets: 3,
  trainableBlocks: 1,
};
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('pc-trainer export', () => {
  it('writes policy.onnx and policy.int8.onnx from a registered version', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tickerml-export-cmd-'));
    dirs.push(root);
    await writeModel(join(root, 'registry'), randomPolicyModel(arch, 'cmd', 'dt-cmd-1'));
    const io = capture();
    const out = join(root, 'out');
    const status = await exportCommand(
      ['--model', 'dt-cmd-1', '--models-dir', join(root, 'registry'), '--out', out],
      io,
    );
    expect(io.err.join('')).toBe('');
    expect(status).toBe(0);
    expect(io.out.join('')).toContain('policy.int8.onnx');
    expect((await stat(join(out, 'policy.onnx'))).size).toBeGreaterThan(1000);
    expect((await readOnnxMetadata(join(out, 'policy.int8.onnx')))['tickerml.model_version']).toBe('dt-cmd-1');
    expect((await readOnnxMetadata(join(out, 'policy.onnx')))['tickerml.quantisation']).toBe('none');
  });

  it('exits 1 naming the missing version, 2 without --out', async () => {
    const io = capture();
    expect(await exportCommand(['--model', 'nope', '--models-dir', '/nonexistent', '--out', '/tmp/x'], io)).toBe(1);
    expect(io.err.join('')).toContain('/nonexistent/nope/model.json: cannot be read');
    const io2 = capture();
    expect(await exportCommand(['--model', 'x'], io2)).toBe(2);
    expect(io2.err.join('')).toContain('--out <dir> is required');
  });
});
