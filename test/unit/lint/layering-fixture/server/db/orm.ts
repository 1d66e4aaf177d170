// Allowed: the database code may import the domain.
import { now } from '../domain/clock.ts';

export const openDatabase = (): string => `db at ${now()}`;
