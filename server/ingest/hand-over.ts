// `agents: any` checks move between agents (the chosen one went missing, or
// came back). The state the previous agent left is then history: it is dropped
// when the newly chosen agent's first result is in, so views, metrics and the
// Kubernetes status see one state per such check.
import type { MikroORM } from '@mikro-orm/postgresql';
import type { Catalog } from '../db/check-catalog.ts';
import { dropStatesOfOtherAgents } from '../db/checks.repository.ts';

export class HandOver {
  private readonly orm: MikroORM;
  /** `revision:checkId` already settled: a hand-over always moves the revision, so one delete per move. */
  private readonly settled = new Set<string>();

  constructor(orm: MikroORM) {
    this.orm = orm;
  }

  /** Call after the agent's results for these checks are committed (the agent is the chosen one). */
  async settle(catalog: Catalog, agentId: string, checkIds: readonly string[]): Promise<void> {
    const pending = [...new Set(checkIds)].filter(
      (id) => catalog.byId.get(id)?.rules.agents === 'any' && !this.settled.has(`${catalog.revision}:${id}`),
    );
    if (pending.length === 0) return;
    await dropStatesOfOtherAgents(this.orm.em.fork(), pending, agentId);
    if (this.settled.size > 10_000) this.settled.clear();
    for (const id of pending) this.settled.add(`${catalog.revision}:${id}`);
  }
}
