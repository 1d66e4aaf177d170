// Where alert-mail links point when VILICUS_PUBLIC_URL is unset (issue 13, bug 6):
// bound to every interface, 127.0.0.1 would send a reader to their own machine.
import { hostname } from 'node:os';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { renderMail } from '../../../server/alerts/render.ts';
import type { ClaimedNotification } from '../../../server/db/outbox.repository.ts';
import { linkBase } from '../../../server/main.ts';

function capture(): { log: pino.Logger; lines: () => { level: number; msg: string }[] } {
  const out: string[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (out.push(String(chunk)), done()) });
  return { log: pino(sink), lines: () => out.map((l) => JSON.parse(l) as { level: number; msg: string }) };
}

const failing: ClaimedNotification = {
  ...{ id: '1', kind: 'problem' as const, status: 'CRITICAL', previous: 'OK', at: new Date('2026-01-01T00:00:00Z') },
  ...{ value: null, message: 'no nginx', outageMs: null, recipients: ['ops@example.com'], attempts: 0 },
  ...{ check: 'nginx-running', namespace: 'web', checkLabels: {}, agent: 'node-1', agentLabels: {} },
};

describe('linkBase', () => {
  it.each([
    // the setting wins
    [{ publicUrl: 'https://mon.example.com', host: '0.0.0.0' }, 'https://mon.example.com', 0],
    // a specific address is reachable as it is
    [{ publicUrl: undefined, host: '10.0.0.5' }, 'http://10.0.0.5:8080', 0],
    [{ publicUrl: undefined, host: '::1' }, 'http://[::1]:8080', 0],
    // every interface: the hostname, and a warning
    [{ publicUrl: undefined, host: '0.0.0.0' }, `http://${hostname()}:8080`, 1],
    [{ publicUrl: undefined, host: '::' }, `http://${hostname()}:8080`, 1],
  ])('with %j links to %s (%i warnings)', (config, expected, warnings) => {
    const { log, lines } = capture();
    expect(linkBase(config, 8080, log)).toBe(expected);
    expect(lines().filter((l) => l.level === 40)).toHaveLength(warnings);
  });

  it('puts the hostname, not 127.0.0.1, in the links of a mail', () => {
    const { log, lines } = capture();
    const mail = renderMail([failing], linkBase({ publicUrl: undefined, host: '0.0.0.0' }, 8080, log));
    expect(mail.text).toContain(`check: http://${hostname()}:8080/api/v1/checks/nginx-running?namespace=web`);
    expect(mail.text).not.toContain('127.0.0.1');
    expect(lines()[0]!.msg).toBe(`VILICUS_PUBLIC_URL is not set: links in mails use http://${hostname()}:8080`);
  });
});
