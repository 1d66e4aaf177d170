// Result states follow the Nagios/Sensu convention.
export type Status = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
export type Severity = 'critical' | 'warning';

/** A check with `severity: warning` never pages as CRITICAL. */
export function capBySeverity(status: Status, severity: Severity): Status {
  return severity === 'warning' && status === 'CRITICAL' ? 'WARNING' : status;
}

export function isProblem(status: Status): boolean {
  return status === 'WARNING' || status === 'CRITICAL';
}

export const statuses: readonly Status[] = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'];
