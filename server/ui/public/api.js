// Talking to the server. The admin token lives in sessionStorage: it goes
// with the tab, not to disk, and is sent only as a bearer header.
const KEY = 'vilicus.adminToken';

export class AuthError extends Error {}

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
};

async function call(method, path, body) {
  const headers = { accept: 'application/json' };
  const t = token.get();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) throw new AuthError('the admin token is missing or wrong');
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error(data?.message ?? `${method} ${path}: ${response.status}`);
  return data;
}

export const api = {
  overview: () => call('GET', '/api/v1/overview'),
  timeline: (namespace, name, hours = 24) =>
    call(
      'GET',
      `/api/v1/checks/${encodeURIComponent(name)}/timeline?namespace=${encodeURIComponent(namespace)}&hours=${hours}`,
    ),
  cpu: (agent, hours = 24) => call('GET', `/api/v1/agents/${encodeURIComponent(agent)}/cpu?hours=${hours}`),
  post: (path, body) => call('POST', path, body),
  /** The OpenAPI document says which optional routes this server has (e.g. silences). */
  async features() {
    const doc = await fetch('/openapi.json').then((r) => (r.ok ? r.json() : { paths: {} }));
    return { silences: Boolean(doc.paths?.['/api/v1/silences']?.post) };
  },
};
