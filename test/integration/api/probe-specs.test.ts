// The network and host kinds through the API: the schema's and the rules'
// refusals name the field, and the agent receives the defaults filled in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addAgent, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';

describe('network and host probe specs through the API', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp('pglite', null)));
  afterAll(async () => t?.close());

  it.each<[string, object, string, string]>([
    // schema: a URL in place of a host
    [
      'a tcp host with a scheme',
      { tcp: { host: 'http://db', port: 5432 } },
      'body/spec/tcp/host',
      'VILICUS_ERR_VALIDATION',
    ],
    ['a port out of range', { tcp: { host: 'db', port: 70000 } }, 'body/spec/tcp/port', 'VILICUS_ERR_VALIDATION'],
    [
      'an unknown http method',
      { http: { url: 'http://a', method: 'BREW' } },
      'body/spec/http/method',
      'VILICUS_ERR_VALIDATION',
    ],
    [
      'a status code out of range',
      { http: { url: 'http://a', expectStatus: [99] } },
      'body/spec/http/expectStatus/0',
      'VILICUS_ERR_VALIDATION',
    ],
    ['a relative disk path', { disk: { path: 'var', above: 90 } }, 'body/spec/disk/path', 'VILICUS_ERR_VALIDATION'],
    [
      'a load per neither core nor total',
      { load: { above: 1, per: 'socket' } },
      'body/spec/load/per',
      'VILICUS_ERR_VALIDATION',
    ],
    [
      'an unknown agents value',
      { memory: { above: 90 }, agents: 'some' },
      'body/spec/agents',
      'VILICUS_ERR_VALIDATION',
    ],
    // rules beyond the schema
    ['credentials in a URL', { http: { url: 'https://u:p@a' } }, 'body/spec/http/url', 'VILICUS_ERR_INVALID_CHECK'],
    [
      'a timeout over 60s',
      { tcp: { host: 'db', port: 1, timeout: '2m' } },
      'body/spec/tcp/timeout',
      'VILICUS_ERR_INVALID_CHECK',
    ],
  ])('refuses %s, naming the field', async (_name, spec, field, error) => {
    const reply = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/checks/bad',
      headers: t.admin,
      payload: { metadata: { name: 'bad' }, spec },
    });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ error, field });
  });

  it('hands the agent each kind with its defaults, on its own /<kind>_check/ path too', async () => {
    const agent = await addAgent(t, 'host-1');
    await putCheck(t, { metadata: { name: 'site' }, spec: { http: { url: 'https://example.com/' } } });
    await putCheck(t, { metadata: { name: 'load' }, spec: { load: { above: 2 } } });
    t.deps.catalog.invalidate();
    const config = (await t.app.inject({ method: 'GET', url: '/api/v1/agent/config', headers: agent.auth })).json();
    expect(config.checks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'http',
          http: {
            url: 'https://example.com/',
            method: 'GET',
            timeout: '5s',
            insecureSkipVerify: false,
            certWarnDays: 14,
            certCritDays: 7,
          },
        }),
        expect.objectContaining({ kind: 'load', load: { above: 2, per: 'core', average: '5m' } }),
      ]),
    );
    const http = await t.app.inject({ method: 'GET', url: '/api/v1/http_check/', headers: agent.auth });
    expect(http.json()).toEqual([expect.objectContaining({ name: 'site', kind: 'http' })]);
  });
});
