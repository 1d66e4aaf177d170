// Breaks domain-no-io: the pure domain reads a file.
import { readFileSync } from 'node:fs';

export const now = (): string => readFileSync('/proc/uptime', 'utf8');
