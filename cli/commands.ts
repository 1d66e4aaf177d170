// The client commands: they talk to a running server with the admin token.
import { readdirSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { AgentCreated, AgentView, CheckView, SilenceView } from '../contract/index.ts';
import { kindsOf } from '../contract/check-rules.ts';
import type { ClientConfig } from '../server/config.ts';
import { readCheckDocuments } from './check-documents.ts';
import { adminClient } from './http.ts';
import { age, table } from './table.ts';

/** `vilicus apply -f FILE|DIR`: create or replace every Check in the files, once all of them are valid. */
export async function apply(config: ClientConfig, paths: string[], namespace?: string): Promise<string[]> {
  const docs = readCheckDocuments(paths.flatMap(expand));
  const client = adminClient(config);
  const lines: string[] = [];
  for (const { file, index, doc } of docs) {
    const { name } = doc.metadata;
    const ns = doc.metadata.namespace ?? namespace;
    const query = ns && !doc.metadata.namespace ? `?namespace=${encodeURIComponent(ns)}` : '';
    const path = `/api/v1/checks/${encodeURIComponent(name)}${query}`;
    // What only the server knows (a Check a Kubernetes resource owns) can still refuse one here.
    const { status } = await client.call<CheckView>('PUT', path, doc).catch((error: Error) => {
      const done = lines.length ? ` (applied before it: ${lines.join(', ')})` : '';
      throw new Error(`${file} document ${index} (check/${name}): ${error.message}${done}`);
    });
    lines.push(`check/${name} ${status === 201 ? 'created' : 'configured'}`);
  }
  return lines;
}

function expand(path: string): string[] {
  if (path !== '-' && statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .map((f) => join(path, f));
  }
  return [path];
}

export async function getChecks(config: ClientConfig, namespace?: string): Promise<string> {
  const query = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
  const { body } = await adminClient(config).call<{ items: CheckView[] }>('GET', `/api/v1/checks${query}`);
  const now = Date.now();
  const rows = body.items.map((c) => {
    // PENDING agents have no state yet: neither OK nor failing.
    const failing = c.status.agents.filter((a) => a.status !== 'OK' && a.status !== 'PENDING');
    const worst = failing.find((a) => a.status === 'CRITICAL') ?? failing[0];
    const counted = c.status.agents.some((a) => a.status !== 'PENDING');
    const probe = kindsOf(c.spec).join(',');
    return [
      c.metadata.namespace,
      c.metadata.name,
      probe,
      !counted ? 'Pending' : worst ? worst.status : 'OK',
      String(c.status.summary.ok),
      failing.map((a) => a.agent).join(',') || '-',
      pendingCell(c.status.agents, now),
      age(c.metadata.creationTimestamp),
    ];
  });
  return table(['NAMESPACE', 'NAME', 'PROBE', 'STATUS', 'OK', 'FAILING', 'PENDING', 'AGE'], rows);
}

/** "CRITICAL on web-1 for 20s, counts in 40s": the pending problem that counts first, and how many more wait. */
function pendingCell(agents: CheckView['status']['agents'], now: number): string {
  const waiting = agents.flatMap((a) => (a.pending ? [{ agent: a.agent, ...a.pending }] : []));
  const first = waiting.sort((a, b) => Date.parse(a.countsAt) - Date.parse(b.countsAt))[0];
  if (!first) return '-';
  const left = Date.parse(first.countsAt) - now;
  // Past countsAt, the window is full: the next result makes it count.
  const when = left > 0 ? `counts in ${age(new Date(now - left).toISOString(), now)}` : 'counts at the next result';
  const more = waiting.length > 1 ? ` (+${waiting.length - 1} more)` : '';
  return `${first.status} on ${first.agent} for ${age(first.since, now)}, ${when}${more}`;
}

export async function getAgents(config: ClientConfig): Promise<string> {
  const { body } = await adminClient(config).call<{ items: AgentView[] }>('GET', '/api/v1/agents');
  const rows = body.items.map((a) => [
    a.name,
    a.missing ? 'Missing' : a.lastSeenAt ? 'Up' : 'Never seen',
    age(a.lastSeenAt),
    Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',') || '-',
    a.version ?? '-',
  ]);
  return table(['NAME', 'STATUS', 'LAST CHECK-IN', 'LABELS', 'VERSION'], rows);
}

export async function addAgent(
  config: ClientConfig,
  name: string,
  labels: Record<string, string>,
): Promise<AgentCreated> {
  return (await adminClient(config).call<AgentCreated>('POST', '/api/v1/agents', { name, labels })).body;
}

export async function removeAgent(config: ClientConfig, name: string): Promise<void> {
  await adminClient(config).call('DELETE', `/api/v1/agents/${encodeURIComponent(name)}`);
}

export async function deleteCheck(config: ClientConfig, name: string, namespace?: string): Promise<void> {
  const query = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
  await adminClient(config).call('DELETE', `/api/v1/checks/${encodeURIComponent(name)}${query}`);
}

export interface SilenceArgs {
  check?: string;
  agent?: string;
  namespace?: string;
  labels: Record<string, string>;
  duration?: string;
  endsAt?: string;
  comment?: string;
}

export async function addSilence(config: ClientConfig, args: SilenceArgs): Promise<SilenceView> {
  const matchers = {
    ...(args.check ? { check: args.check } : {}),
    ...(args.agent ? { agent: args.agent } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    ...(Object.keys(args.labels).length ? { labels: args.labels } : {}),
  };
  const body = {
    matchers,
    ...(args.endsAt ? { endsAt: args.endsAt } : { duration: args.duration ?? '2h' }),
    comment: args.comment ?? 'silenced from the command line',
    createdBy: userInfo().username,
  };
  return (await adminClient(config).call<SilenceView>('POST', '/api/v1/silences', body)).body;
}

export async function listSilences(config: ClientConfig, all: boolean): Promise<string> {
  const { body } = await adminClient(config).call<{ items: SilenceView[] }>(
    'GET',
    `/api/v1/silences${all ? '?all=true' : ''}`,
  );
  const rows = body.items.map((s) => [
    s.id,
    Object.entries(s.matchers)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(' '),
    s.active ? 'active' : new Date(s.startsAt) > new Date() ? 'pending' : 'expired',
    s.endsAt,
    s.comment,
  ]);
  return table(['ID', 'MATCHERS', 'STATE', 'ENDS', 'COMMENT'], rows);
}

export async function expireSilence(config: ClientConfig, id: string): Promise<void> {
  await adminClient(config).call('DELETE', `/api/v1/silences/${encodeURIComponent(id)}`);
}
