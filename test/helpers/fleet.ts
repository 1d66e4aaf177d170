// A realistic fleet for the dashboard's load test and screenshots: 100 agents
// × 20 checks (19 process checks and one cpu check each), current states
// through the real ingest API, and 24 hours of CPU history straight into
// check_result (288 results per agent, one per 5 minutes).
import { sql } from '../../server/db/sql.ts';
import { addAgent, putCheck, type TestApp } from './app.ts';

export const FLEET = { agents: 100, checks: 20 } as const;

const ROLES = ['web', 'db', 'worker', 'cache'];
const SERVICES = [
  'nginx',
  'sshd',
  'cron',
  'rsyslogd',
  'chronyd',
  'node-exporter',
  'containerd',
  'kubelet',
  'postgres',
  'redis',
  'haproxy',
  'fluent-bit',
  'consul',
  'vault-agent',
  'systemd-journald',
  'dbus-daemon',
  'auditd',
  'sidekiq',
  'unbound',
];

export function agentName(i: number): string {
  return `${ROLES[i % ROLES.length]}-${String(i + 1).padStart(3, '0')}`;
}

/** Which (agent, check) pairs are failing, so the page has something to show. */
function statusFor(agent: number, check: number): { status: string; value: number; message: string } {
  if (agent === 6 && check === 0)
    return { status: 'CRITICAL', value: 0, message: '0 processes named "nginx" (want at least 1)' };
  if (agent === 41 && check === 9)
    return { status: 'CRITICAL', value: 0, message: '0 processes named "redis" (want at least 1)' };
  if (agent === 17 && check === 4) return { status: 'UNKNOWN', value: 0, message: 'probe timed out reading /proc' };
  const count = 1 + ((agent + check) % 3);
  return { status: 'OK', value: count, message: `${count} process${count === 1 ? '' : 'es'}` };
}

export async function seedFleet(t: TestApp): Promise<{ cpuCheckId: string }> {
  const checkIds: string[] = [];
  for (const service of SERVICES) {
    checkIds.push(
      await putCheck(t, { metadata: { name: `${service}-running` }, spec: { process: { name: service } } }),
    );
  }
  const cpuCheckId = await putCheck(t, { metadata: { name: 'cpu-busy' }, spec: { cpu: { above: 90, warnAbove: 75 } } });
  const now = new Date().toISOString();
  for (let a = 0; a < FLEET.agents; a++) {
    const agent = await addAgent(t, agentName(a), { role: ROLES[a % ROLES.length]! });
    const cpu = a === 12 ? 82.4 : 8 + ((a * 37) % 50);
    const results = [
      ...checkIds.map((check, c) => ({ check, ...statusFor(a, c), observedAt: now })),
      {
        check: cpuCheckId,
        status: cpu > 75 ? 'WARNING' : 'OK',
        value: cpu,
        message: `CPU ${cpu}% busy`,
        observedAt: now,
      },
    ];
    const posted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/check_history/',
      headers: agent.auth,
      payload: results,
    });
    if (posted.json().accepted !== FLEET.checks) throw new Error(`seed: ${posted.body}`);
    await t.app.inject({
      method: 'PUT',
      url: `/api/v1/agent/${agent.id}/`,
      headers: agent.auth,
      payload: { version: '0.1.0' },
    });
  }
  await seedCpuHistory(t, cpuCheckId);
  return { cpuCheckId };
}

/** A day of CPU per agent: a daily wave, a per-agent phase, some noise. */
async function seedCpuHistory(t: TestApp, cpuCheckId: string): Promise<void> {
  await sql`
    insert into "check_result" (check_id, agent_id, status, value, message, observed_at)
    select ${cpuCheckId}::uuid, a.id, 'OK',
           least(99, greatest(1, 35 + 25 * sin(g / 40.0 + (abs(hashtext(a.name)) % 17)) + random() * 12)),
           null, now() - g * interval '5 minutes'
    from "agent" a, generate_series(1, 288) g`.execute(t.db.orm.em.fork().getKysely());
}
