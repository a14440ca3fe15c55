/**
 * Shared by the two stores' retention jobs: unique timer names on a shared clock, and the
 * period in the clock's microseconds.
 *
 * @module
 * @internal
 */

let retentionJobs = 0;

/** A timer name no other retention job on the same clock uses. @internal */
export function retentionTimerName(store: string): string {
  retentionJobs += 1;
  return `storage-retention:${store}#${retentionJobs}`;
}

/** The job's period in whole microseconds (at least 1), from `intervalMs`. @internal */
export function retentionIntervalUs(intervalMs: number): number {
  return Math.max(1, Math.round(intervalMs * 1000));
}
