// How a state becomes a Prometheus sample: the Nagios plugin exit codes, so
// "worse" is "greater" and `max by (check)` is the worst state of a check.
import type { Status } from '../domain/status.ts';

export const STATUS_CODE: Readonly<Record<Status, number>> = Object.freeze({
  OK: 0,
  WARNING: 1,
  CRITICAL: 2,
  UNKNOWN: 3,
});

export function statusCode(status: Status): number {
  return STATUS_CODE[status];
}
