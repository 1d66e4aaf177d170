// A small settings engine shared by the server's and the agent's config
// modules: each setting has a flag, an env name, a default and a parser, so
// the README table and the validation come from one list. It lives with the
// wire contract because the agent may import nothing else of the server's.
import { parseArgs } from 'node:util';

export interface Setting<T> {
  flag: string;
  env: string[];
  default: T | undefined;
  parse: (raw: string) => T;
  help: string;
  secret?: boolean;
  /** The default as people write it (`7d` rather than 604800000), for docs. */
  shownDefault?: string;
}

export class SettingError extends Error {
  readonly setting: string;
  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.setting = setting;
  }
}

export type SettingsOf<S> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

/** parseArgs options for a table's flags, to merge with a command's own flags. */
export function flagOptions(table: Record<string, Setting<unknown>>): Record<string, { type: 'string' }> {
  return Object.fromEntries(Object.values(table).map((s) => [s.flag, { type: 'string' as const }]));
}

/** Parse argv that holds only this table's flags. */
export function parseFlags(table: Record<string, Setting<unknown>>, argv: readonly string[]): Record<string, unknown> {
  try {
    return parseArgs({ args: [...argv], options: flagOptions(table), strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new SettingError('arguments', (error as Error).message);
  }
}

/** Resolve flags over env over defaults; any bad value throws naming the flag or env name. */
export function resolveSettings<S extends Record<string, Setting<unknown>>>(
  table: S,
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): Readonly<SettingsOf<S>> {
  const out: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(table)) {
    const fromFlag = flags[setting.flag];
    const envName = setting.env.find((name) => env[name] !== undefined && env[name] !== '');
    const raw = typeof fromFlag === 'string' ? fromFlag : envName ? env[envName] : undefined;
    const where = typeof fromFlag === 'string' ? `--${setting.flag}` : (envName ?? `--${setting.flag}`);
    try {
      out[key] = raw === undefined ? setting.default : setting.parse(raw);
    } catch (error) {
      const message = (error as Error).message;
      // A mistyped DATABASE_URL must not print its password into the log.
      throw new SettingError(where, setting.secret && raw ? message.replaceAll(raw, '<hidden>') : message);
    }
  }
  return Object.freeze(out) as SettingsOf<S>;
}

/** Digits only: Number('') is 0 and Number('1e3') is 1000, neither is what a person meant. */
function wholeNumber(raw: string): number {
  return /^\d+$/.test(raw.trim()) ? Number(raw) : NaN;
}

// Parsers, each throwing a sentence a person can act on.
export const parse = {
  string: (raw: string): string => raw,
  port: (raw: string): number => {
    const n = wholeNumber(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`"${raw}" is not a port (0-65535)`);
    return n;
  },
  positiveInt: (raw: string): number => {
    const n = wholeNumber(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`"${raw}" is not a positive whole number`);
    return n;
  },
  /** A URL with one of these schemes: `mon:8080` parses as a URL, but is not a server address. */
  urlWith:
    (...protocols: string[]) =>
    (raw: string): string => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        throw new Error(`"${raw}" is not a URL`);
      }
      if (!protocols.includes(url.protocol)) {
        throw new Error(`"${raw}" must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
      }
      return raw;
    },
  oneOf: <T extends string>(...allowed: T[]): ((raw: string) => T) => {
    return (raw) => {
      if (!(allowed as string[]).includes(raw)) throw new Error(`"${raw}" is not one of ${allowed.join(', ')}`);
      return raw as T;
    };
  },
};
