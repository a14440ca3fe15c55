import { describe, expect, it } from 'vitest';
import { formatLagTable } from './lag.js';

describe('formatLagTable', () => {
  it('prints the columns of kafka-consumer-groups --describe, aligned, with - for no commit', () => {
    const text = formatLagTable([
      { group: 'books', topic: 'tickerml.books', partition: 0, currentOffset: 1200, logEndOffset: 1250, lag: 50 },
      { group: 'books', topic: 'tickerml.books', partition: 1, currentOffset: null, logEndOffset: 7, lag: null },
    ]);
    expect(text.split('\n')).toEqual([
      'GROUP TOPIC          PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG',
      'books tickerml.books 0         1200           1250           50',
      'books tickerml.books 1         -              7              -',
    ]);
  });

  it('prints the header alone for a group with nothing committed', () => {
    expect(formatLagTable([])).toBe('GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG');
  });
});
