// Silences (Sensu/Alertmanager style): matchers over check, namespace, agent
// and labels, for a time window.
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Silence, SilenceMatchers } from '../domain/alerts.ts';
import { sql } from './sql.ts';

export interface SilenceRow extends Silence {
  id: string;
  comment: string;
  createdBy: string;
  createdAt: Date;
}

type Raw = Omit<SilenceRow, 'startsAt' | 'endsAt' | 'createdAt'> & {
  startsAt: string;
  endsAt: string;
  createdAt: string;
};
const toRow = (r: Raw): SilenceRow => ({
  ...r,
  startsAt: new Date(r.startsAt),
  endsAt: new Date(r.endsAt),
  createdAt: new Date(r.createdAt),
});
const COLUMNS = sql`id, matchers, starts_at as "startsAt", ends_at as "endsAt", comment, created_by as "createdBy",
  created_at as "createdAt"`;

export class SilencesRepository {
  private readonly em: EntityManager;
  constructor(em: EntityManager) {
    this.em = em;
  }

  async create(
    s: { matchers: SilenceMatchers; startsAt: Date; endsAt: Date; comment: string; createdBy: string },
    now: Date,
  ): Promise<SilenceRow> {
    const { rows } =
      await sql<Raw>`insert into "silence" (id, matchers, starts_at, ends_at, comment, created_by, created_at)
      values (${crypto.randomUUID()}, ${JSON.stringify(s.matchers)}::jsonb, ${s.startsAt}, ${s.endsAt}, ${s.comment},
              ${s.createdBy}, ${now}) returning ${COLUMNS}`.execute(this.em.getKysely());
    return toRow(rows[0]!);
  }

  /** Active and future silences, or all including expired ones. */
  async list(now: Date, includeExpired: boolean): Promise<SilenceRow[]> {
    const { rows } = await sql<Raw>`select ${COLUMNS} from "silence"
      ${includeExpired ? sql`` : sql`where ends_at > ${now}`} order by ends_at desc limit 1000`.execute(
      this.em.getKysely(),
    );
    return rows.map(toRow);
  }

  /** Ends a silence now; null when there is no such silence or it already ended. */
  async expire(id: string, now: Date): Promise<SilenceRow | null> {
    const { rows } = await sql<Raw>`update "silence" set ends_at = ${now}
      where id = ${id} and ends_at > ${now} returning ${COLUMNS}`.execute(this.em.getKysely());
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Silences that could apply to notifications made since `since` (for the notifier). */
  async relevant(since: Date): Promise<SilenceRow[]> {
    const { rows } = await sql<Raw>`select ${COLUMNS} from "silence" where ends_at > ${since}`.execute(
      this.em.getKysely(),
    );
    return rows.map(toRow);
  }
}
