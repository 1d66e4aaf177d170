import { describe, expect, it } from 'vitest';
import { DeadlineError, describeNetworkError, withDeadline } from '../../../../agent/probes/deadline.ts';

const coded = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('withDeadline', () => {
  it('answers what the work answers in time', async () => {
    expect(await withDeadline(1000, () => Promise.resolve(7))).toBe(7);
  });

  it('passes on the work’s own failure', async () => {
    await expect(withDeadline(1000, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });

  it('fails at the deadline and signals the work to stop', async () => {
    let signal: AbortSignal | undefined;
    const started = Date.now();
    const outcome = withDeadline(40, (s) => ((signal = s), new Promise(() => undefined)));
    await expect(outcome).rejects.toBeInstanceOf(DeadlineError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(signal?.aborted).toBe(true);
  });
});

describe('describeNetworkError', () => {
  it.each<[string, unknown, string]>([
    [
      'a refused connection',
      coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'),
      'connection refused (ECONNREFUSED)',
    ],
    ['an unknown host', coded('getaddrinfo ENOTFOUND x.invalid', 'ENOTFOUND'), 'host name not found (ENOTFOUND)'],
    // happy eyeballs: the first address's failure
    [
      'an AggregateError',
      new AggregateError([coded('connect ECONNREFUSED ::1:1', 'ECONNREFUSED')], ''),
      'connection refused (ECONNREFUSED)',
    ],
    // TLS errors keep their own words, with the code to search for
    [
      'a self-signed certificate',
      coded('self-signed certificate', 'DEPTH_ZERO_SELF_SIGNED_CERT'),
      'self-signed certificate (DEPTH_ZERO_SELF_SIGNED_CERT)',
    ],
    // a message that already names its code is not repeated
    ['a coded message', coded('read EPROTO oops', 'EPROTO'), 'read EPROTO oops'],
    ['the deadline', new DeadlineError(5000), 'no answer within 5s'],
    ['not an Error', 'weird', 'weird'],
  ])('%s', (_name, error, text) => {
    expect(describeNetworkError(error)).toBe(text);
  });
});
