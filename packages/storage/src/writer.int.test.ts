import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithService } from '../../../test/support/services.js';
import { type ScratchDatabase, scratchDatabase } from '../test/pg.js';
import { PostgresStore } from './postgres.js';

const child = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'ingest-child.ts');

await describeWithService('postgres', 'EventWriter on PostgreSQL in a real child process', (service) => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await scratchDatabase(service.url);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('after kill -9 during ingest, PostgreSQL holds every acknowledged event', async () => {
    const proc = spawn(process.execPath, ['--conditions=@tickerml/source', '--import', 'tsx', child, db.url], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let acked = 0;
    let buffer = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [tag, total] = line.split(' ');
        if (tag === 'ACK') acked = Number(total);
        if (acked >= 10_000) proc.kill('SIGKILL');
      }
    });
    const exit = await new Promise<NodeJS.Signals | null>((resolve) =>
      proc.on('exit', (_code, signal) => resolve(signal)),
    );
    expect(exit).toBe('SIGKILL');
    expect(acked).toBeGreaterThanOrEqual(10_000);

    const store = await PostgresStore.connect(db.url, { log: () => {} });
    const ids = (await store.query('trades')).map((r) => Number(r.trade_id)).sort((a, b) => a - b);
    await store.close();
    expect(ids.length).toBeGreaterThanOrEqual(acked);
    expect(ids.slice(0, acked)).toEqual(Array.from({ length: acked }, (_, i) => i));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
