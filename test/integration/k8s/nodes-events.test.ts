// Nodes → agents, and aggregated Events, against a real kube-apiserver.
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AgentsRepository } from '../../../server/db/agents.repository.ts';
import { sql } from '../../../server/db/sql.ts';
import { createEventRecorder, type ObjectRef } from '../../../server/k8s/events.ts';
import { startNodeSync, type NodeSync } from '../../../server/k8s/nodes.ts';
import { createLogger } from '../../../server/log.ts';
import { addAgent, dbKinds, putCheck, startTestApp, type TestApp } from '../../helpers/app.ts';
import { waitFor } from '../../helpers/processes.ts';
import { startEnvtest, type Envtest } from '../../k8s/envtest.ts';
import { kubectlFor } from '../../k8s/run.ts';

const postgresUrl = inject('postgresUrl');
const log = createLogger('silent', false);
let env: Envtest;
let kubectl: ReturnType<typeof kubectlFor>;
let kc: KubeConfig;

const json = (o: unknown): string => JSON.stringify(o);
const createNode = (name: string, labels: Record<string, string>) =>
  kubectl(['create', '-f', '-'], json({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels } }));

beforeAll(async () => {
  env = await startEnvtest();
  kubectl = kubectlFor(env.kubeconfig);
  kc = new KubeConfig();
  kc.loadFromFile(env.kubeconfig);
}, 120_000);

afterAll(() => env?.stop(), 60_000);

describe.each(dbKinds(postgresUrl))('node sync on %s', (kind) => {
  let t: TestApp;
  let sync: NodeSync | undefined;
  const agents = () => new AgentsRepository(t.db.orm.em.fork());
  const agent = (name: string) => agents().byName(name);
  const revision = async (): Promise<number> => {
    const { rows } = await sql<{ revision: string }>`select revision from "config_revision" where id = 1`.execute(
      t.db.orm.em.fork().getKysely(),
    );
    return Number(rows[0]!.revision);
  };
  const labelsOf = async (name: string) => (await agent(name))?.labels;

  beforeAll(async () => {
    t = await startTestApp(kind, postgresUrl);
    for (const node of await kubectl(['get', 'nodes', '-o', 'name']).then((o) => o.split('\n').filter(Boolean)))
      await kubectl(['delete', node]);
  });
  afterEach(async () => {
    await sync?.stop();
    sync = undefined;
  });
  afterAll(() => t?.close());

  it('at start, makes agents of the Nodes and removes those of Nodes deleted meanwhile, keeping registered agents', async () => {
    await createNode('node-1', { role: 'web' });
    await agents().ensureNamed('ghost', { role: 'web' }, new Date()); // its Node went while no server watched
    await addAgent(t, 'laptop'); // registered with a token: not a Node's
    sync = startNodeSync(kc, t.db.orm, log);
    await sync.synced;
    expect(await labelsOf('node-1')).toEqual({ role: 'web' });
    expect(sync.nodeRef('node-1')).toMatchObject({
      kind: 'Node',
      apiVersion: 'v1',
      namespace: '',
      uid: expect.any(String),
    });
    expect(await agent('ghost')).toBeNull();
    expect(await agent('laptop')).not.toBeNull();
  });

  it('follows Node labels, keeps a cordoned node, and removes the agent (with its states) of a deleted Node', async () => {
    sync = startNodeSync(kc, t.db.orm, log);
    await sync.synced;

    let before = await revision();
    await createNode('node-2', { role: 'web', zone: 'a' });
    await waitFor(async () => (await labelsOf('node-2'))?.role === 'web', 60_000);
    expect(await revision()).toBeGreaterThan(before);

    before = await revision();
    await kubectl(['label', 'node', 'node-2', '--overwrite', 'role=db', 'zone-']);
    await waitFor(async () => (await labelsOf('node-2'))?.role === 'db', 60_000);
    expect(await labelsOf('node-2')).toEqual({ role: 'db' });
    expect(await revision()).toBeGreaterThan(before);

    // Cordoned: still expected (DaemonSet pods keep running there); nothing about the agent changes.
    before = await revision();
    await kubectl(['cordon', 'node-2']);
    await kubectl(['annotate', 'node', 'node-2', 'touched=yes']); // one more update through the watch
    // A label change after them: the watch delivers one object's events in
    // order, so once it shows, the cordon and the annotation were handled, and
    // only it moved the revision.
    await kubectl(['label', 'node', 'node-2', 'marker=after']);
    await waitFor(async () => (await labelsOf('node-2'))?.marker === 'after', 60_000);
    expect(await labelsOf('node-2')).toEqual({ role: 'db', marker: 'after' });
    expect(await revision()).toBe(before + 1);

    const id = (await agent('node-2'))!.id;
    const checkId = await putCheck(t, { metadata: { name: 'cpu' }, spec: { cpu: { above: 90 } } });
    const db = t.db.orm.em.fork().getKysely();
    await sql`insert into "check_state" (check_id, agent_id, status, since, updated_at)
      values (${checkId}, ${id}, 'OK', now(), now())`.execute(db);

    await kubectl(['delete', 'node', 'node-2']);
    await waitFor(async () => (await agent('node-2')) === null, 60_000);
    const { rows } = await sql`select 1 from "check_state" where agent_id = ${id}`.execute(db);
    expect(rows).toHaveLength(0);
  });

  it('recovers when the API server restarts and catches up with what changed', { timeout: 120_000 }, async () => {
    sync = startNodeSync(kc, t.db.orm, log);
    await sync.synced;
    await env.restartApiServer();
    await createNode('node-3', { role: 'probe' });
    await waitFor(async () => (await labelsOf('node-3'))?.role === 'probe', 60_000);
  });
});

describe('event recorder', () => {
  const NS = 'events';
  let check: ObjectRef;
  let node: ObjectRef;
  const events = async (ref: ObjectRef) => {
    const ns = ref.namespace || 'default';
    const out = await kubectl([
      '-n',
      ns,
      'get',
      'events',
      '--field-selector',
      `involvedObject.uid=${ref.uid}`,
      '-o',
      'json',
    ]);
    return (JSON.parse(out).items as any[]).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  };

  beforeAll(async () => {
    await kubectl(['create', 'namespace', NS]);
    // any object will do; this is what the status writer records on: a Check and a Node
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nginx-running', namespace: NS } };
    const created = JSON.parse(await kubectl(['create', '-f', '-', '-o', 'json'], json(cm)));
    check = { kind: 'ConfigMap', apiVersion: 'v1', name: 'nginx-running', namespace: NS, uid: created.metadata.uid };
    const n = JSON.parse(
      await kubectl(
        ['create', '-f', '-', '-o', 'json'],
        json({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-e' } }),
      ),
    );
    node = { kind: 'Node', apiVersion: 'v1', name: 'node-e', namespace: '', uid: n.metadata.uid };
  });

  it('counts a repeated event instead of creating another', async () => {
    const recorder = createEventRecorder(kc, 'vilicus', log);
    for (let i = 0; i < 3; i++)
      recorder.record(check, 'Warning', 'CheckFailing', 'CRITICAL on node-a: nginx not running');
    recorder.record(check, 'Normal', 'CheckRecovered', 'OK on node-a');
    await recorder.flush();
    const [failing, ...others] = (await events(check)).filter((e) => e.reason === 'CheckFailing');
    expect(others).toHaveLength(0);
    expect(failing).toMatchObject({
      type: 'Warning',
      count: 3,
      message: 'CRITICAL on node-a: nginx not running',
      source: { component: 'vilicus' },
      involvedObject: { kind: 'ConfigMap', name: 'nginx-running', namespace: NS, uid: check.uid },
    });
    expect(Date.parse(failing.lastTimestamp)).toBeGreaterThanOrEqual(Date.parse(failing.firstTimestamp));
    expect((await events(check)).filter((e) => e.reason === 'CheckRecovered')).toHaveLength(1);
  });

  it('counts into the Event a previous recorder wrote (a new leader, a restart)', async () => {
    const recorder = createEventRecorder(kc, 'vilicus', log);
    recorder.record(check, 'Warning', 'CheckFailing', 'CRITICAL on node-a: nginx not running');
    await recorder.flush();
    const failing = (await events(check)).filter((e) => e.reason === 'CheckFailing');
    expect(failing.map((e) => e.count)).toEqual([4]);
  });

  it('creates a new Event for another message, and after ten quiet minutes', async () => {
    let now = Date.now();
    const recorder = createEventRecorder(kc, 'vilicus', log, { now: () => new Date(now) });
    recorder.record(check, 'Warning', 'CheckFailing', 'CRITICAL on node-b: nginx not running');
    await recorder.flush();
    now += 11 * 60_000;
    recorder.record(check, 'Warning', 'CheckFailing', 'CRITICAL on node-b: nginx not running');
    await recorder.flush();
    const forB = (await events(check)).filter((e) => e.message.includes('node-b'));
    expect(forB.map((e) => e.count)).toEqual([1, 1]);
  });

  it('records Node events in the default namespace, and starts anew when the Event was deleted', async () => {
    const recorder = createEventRecorder(kc, 'vilicus', log);
    recorder.record(node, 'Warning', 'CheckFailing', 'cpu-busy is CRITICAL');
    recorder.record(node, 'Warning', 'CheckFailing', 'cpu-busy is CRITICAL');
    await recorder.flush();
    const [first] = await events(node);
    expect(first).toMatchObject({ count: 2, metadata: { namespace: 'default' }, involvedObject: { kind: 'Node' } });
    await kubectl(['-n', 'default', 'delete', 'event', first.metadata.name]);
    recorder.record(node, 'Warning', 'CheckFailing', 'cpu-busy is CRITICAL');
    await recorder.flush();
    expect((await events(node)).map((e) => e.count)).toEqual([1]);
  });

  it('never throws when the API server cannot be reached', async () => {
    const nowhere = new KubeConfig();
    nowhere.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
      users: [{ name: 'u', token: 'x' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const recorder = createEventRecorder(nowhere, 'vilicus', log);
    expect(() => recorder.record(check, 'Warning', 'CheckFailing', 'lost')).not.toThrow();
    await expect(recorder.flush()).resolves.toBeUndefined();
  });
});
