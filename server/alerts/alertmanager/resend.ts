// The re-post: Alertmanager forgets an alert whose endsAt passed, and keeps
// none across a restart without storage, so (as Prometheus does) every open
// problem is posted again each round, well inside the alert's lifetime of 4
// rounds; recent endings are posted again for 15 minutes, so an Alertmanager
// that missed one still resolves. Silenced problems are not posted.
import type { MikroORM } from '@mikro-orm/postgresql';
import { silenceMatches } from '../../domain/alerts.ts';
import { openProblems, recentEndings, type OpenProblem } from '../../db/open-alerts.repository.ts';
import { loadClaimed } from '../../db/outbox.repository.ts';
import { SilencesRepository } from '../../db/silences.repository.ts';
import type { Channel } from '../channel.ts';
import { postAlerts, type AlertmanagerTarget } from './channel.ts';
import { subjectsOf, toPostable, type AlertSubject, type PostableAlert } from './alerts.ts';

/** How long an ending is posted again (Prometheus keeps resending resolved alerts this long). */
export const ENDINGS_KEPT_MS = 15 * 60_000;

export async function resendOpen(
  orm: MikroORM,
  targets: readonly { target: AlertmanagerTarget; channel: Channel }[],
  now: Date,
): Promise<{ posted: number; failed: Error[] }> {
  const em = orm.em.fork();
  const silences = await new SilencesRepository(em).relevant(now);
  const open = (await openProblems(em)).filter((p) => !silences.some((s) => silenceMatches(s, targetOf(p), now)));
  const failed: Error[] = [];
  let posted = 0;
  for (const { target, channel } of targets) {
    const firing = open.map((p) => toPostable(subjectOf(p), target.publicUrl, now, target.ttlMs));
    const ids = await recentEndings(em, channel.name, new Date(now.getTime() - ENDINGS_KEPT_MS));
    const endings = (await loadClaimed(em.getKysely(), ids)).flatMap((n) =>
      subjectsOf(n)
        .filter((s) => s.endedAt !== null)
        .map((s) => toPostable(s, target.publicUrl, now, target.ttlMs)),
    );
    const alerts = [...firing, ...notFiring(endings, firing)];
    try {
      await postAlerts(target, alerts);
      posted += alerts.length;
    } catch (error) {
      failed.push(error as Error);
    }
  }
  return { posted, failed };
}

/** An ending posted after a new firing alert of the same labels would end it: a problem that came back wins. */
function notFiring(endings: readonly PostableAlert[], firing: readonly PostableAlert[]): PostableAlert[] {
  const open = new Set(firing.map((a) => identity(a.labels)));
  const seen = new Set<string>();
  return [...endings].reverse().filter((a) => {
    const id = identity(a.labels);
    if (open.has(id) || seen.has(id)) return false; // the newest ending of each alert only
    seen.add(id);
    return true;
  });
}

const identity = (labels: Record<string, string>): string => JSON.stringify(Object.entries(labels).sort());

const targetOf = (p: OpenProblem) => ({
  check: p.check,
  namespace: p.namespace,
  agent: p.agent,
  labels: { ...p.checkLabels, ...p.agentLabels },
});

function subjectOf(p: OpenProblem): AlertSubject {
  return {
    missingAgent: p.missingAgent,
    check: p.check,
    namespace: p.namespace,
    checkKind: p.checkKind,
    checkLabels: p.checkLabels,
    agent: p.agent,
    status: p.status,
    startsAt: p.since,
    endedAt: null,
    value: p.value,
    message: p.message,
  };
}
