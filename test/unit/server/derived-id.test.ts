import { describe, expect, it } from 'vitest';
import { derivedId } from '../../../server/ingest/ingest-service.ts';

const AGENT = '6f1c2a8e-8d3b-4a57-9f0e-2b9d1c7e4a10';
const CHECK = '0b7e3c1d-5a2f-4e68-8c91-7d4f2e6a9b35';
const WHEN = new Date('2025-03-01T12:00:00.000Z');
/** RFC 9562: version 5 in the 13th hex digit, variant 10xx in the 17th. */
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('derivedId', () => {
  it('gives the same id for the same agent, check and time', () => {
    expect(derivedId(AGENT, CHECK, WHEN)).toBe(derivedId(AGENT, CHECK, new Date(WHEN.getTime())));
  });

  it('keeps the ids already handed out (stable across releases)', () => {
    // Changing the derivation would store retried results twice after an upgrade.
    expect(derivedId(AGENT, CHECK, WHEN)).toBe('8dab72aa-588e-5415-ab46-2b00e452575f');
  });

  it.each<[string, string, string, Date]>([
    // the example inputs
    ['the example', AGENT, CHECK, WHEN],
    // empty strings still make a UUID
    ['empty ids', '', '', new Date(0)],
    // many inputs, to cover every variant digit
    ...Array.from({ length: 32 }, (_, i): [string, string, string, Date] => [`input ${i}`, `agent-${i}`, CHECK, WHEN]),
  ])('gives a version 5 UUID for %s', (_name, agent, check, when) => {
    expect(derivedId(agent, check, when)).toMatch(UUID_V5);
  });

  it.each<[string, string, string, Date]>([
    // another agent
    ['the agent differs', '7f1c2a8e-8d3b-4a57-9f0e-2b9d1c7e4a10', CHECK, WHEN],
    // another check
    ['the check differs', AGENT, '1b7e3c1d-5a2f-4e68-8c91-7d4f2e6a9b35', WHEN],
    // one millisecond later
    ['the time differs by 1 ms', AGENT, CHECK, new Date(WHEN.getTime() + 1)],
    // agent and check swapped
    ['agent and check are swapped', CHECK, AGENT, WHEN],
  ])('gives another id when %s', (_name, agent, check, when) => {
    expect(derivedId(agent, check, when)).not.toBe(derivedId(AGENT, CHECK, WHEN));
  });
});
