// `agents: any` checks move between agents (the chosen one went missing, or
// came back). The state the previous agent left is then history: it is dropped
// when the newly chosen agent's first result is in, so views, metrics and the
// Kubernetes status see one state per such check. A problem that was mailed
// for the previous agent gets its ending in the same transaction.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Catalog } from '../db/check-catalog.ts';
import { dropStatesOfOtherAgents } from '../db/checks.repository.ts';
import { insertNotifications, type OutboxRow } from '../db/outbox.repository.ts';
import { handOverDraft } from '../domain/alerts.ts';

export class HandOver {
  private readonly orm: MikroORM;
  private readonly now: () => Date;
  /** `revision:checkId` already settled: a hand-over always moves the revision, so one delete per move. */
  private readonly settled = new Set<string>();

  constructor(orm: MikroORM, now: () => Date) {
    this.orm = orm;
    this.now = now;
  }

  /** Call after the agent's results for these checks are committed (the agent is the chosen one). */
  async settle(catalog: Catalog, agent: { id: string; name: string }, checkIds: readonly string[]): Promise<void> {
    const pending = [...new Set(checkIds)].filter(
      (id) => catalog.byId.get(id)?.rules.agents === 'any' && !this.settled.has(`${catalog.revision}:${id}`),
    );
    if (pending.length === 0) return;
    const now = this.now();
    await this.orm.em.fork().transactional(async (em) => {
      const dropped = await dropStatesOfOtherAgents(em, pending, agent.id);
      const mails: OutboxRow[] = [];
      for (const state of dropped) {
        const draft = handOverDraft(state, agent.name, now);
        const recipients = catalog.byId.get(state.checkId)?.spec.notify?.email ?? [];
        if (draft) mails.push({ ...draft, checkId: state.checkId, agentId: state.agentId, recipients });
      }
      await insertNotifications(em.getKysely(), mails, now);
    });
    if (this.settled.size > 10_000) this.settled.clear();
    for (const id of pending) this.settled.add(`${catalog.revision}:${id}`);
  }
}
