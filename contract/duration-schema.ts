import Type from 'typebox';
import { DURATION_PATTERN } from './duration.ts';

/** The schema of a duration in a Check (`interval`, `for`). */
export const Duration = Type.String({
  pattern: DURATION_PATTERN,
  maxLength: 32,
  description: 'A duration such as 30s, 5m or 1h30m',
});
