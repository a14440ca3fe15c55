import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `@tickerml/source`
// export condition, so tests never need a prior build. No 'import'/'module' here: vitest hands
// these conditions to Node for external CommonJS packages too, and `require('pg-pool')` under an
// 'import' condition loads its ESM build as a namespace object ("Class extends value [object Module]").
const conditions = ['@tickerml/source', 'node'];

// .ci/run sets TICKERML_TEST_REPORT so `pnpm test` (the README's command, unchanged) also writes a
// JSON report that scripts/test-summary.mjs reads.
const jsonReport = process.env['TICKERML_TEST_REPORT'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@tickerml/source'] } },
  test: {
    ...(jsonReport ? { reporters: ['default', 'json'], outputFile: { json: jsonReport } } : {}),
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/*/src/**/*.test.ts',
            'packages/*/test/**/*.test.ts',
            'examples/*/src/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'test/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', 'test/integration/**', '**/node_modules/**', '**/dist/**'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts', 'test/integration/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
    benchmark: { include: ['packages/*/src/**/*.bench.ts', 'packages/*/bench/**/*.bench.ts', 'bench/**/*.bench.ts'] },
  },
});
