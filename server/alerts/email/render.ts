// The mail for a group of notifications: subject says how bad, what, where;
// a text part and an HTML part. Pure: data in, strings out.
import { formatDuration } from '../../../contract/duration.ts';
import type { ClaimedNotification } from '../../db/outbox.repository.ts';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const SEVERITY: Record<string, number> = { CRITICAL: 3, UNKNOWN: 2, WARNING: 1, OK: 0 };

/** One line of the subject or the body for one notification. */
export function headline(n: ClaimedNotification): string {
  const where = n.agent ? ` on ${n.agent}` : '';
  const what = n.check ?? `agent ${n.agent ?? '?'}`;
  switch (n.kind) {
    case 'problem':
    case 'silence-ended':
      return `[${n.status}] ${what}${where}`;
    case 'reminder':
      return `[${n.status}] still failing: ${what}${where}`;
    case 'resolved':
      return `[RESOLVED] ${what}${where}${n.outageMs !== null ? ` after ${formatDuration(n.outageMs)}` : ''}`;
    case 'flapping':
      return `[FLAPPING] ${what}${where}`;
    case 'flapping-ended':
      return `[${n.status}] stopped flapping: ${what}${where}`;
    case 'agent-missing':
      return `[MISSING] agent ${n.agent ?? '?'}`;
    case 'agent-back':
      return `[BACK] agent ${n.agent ?? '?'}`;
  }
}

export function renderMail(group: readonly ClaimedNotification[], publicUrl: string): RenderedMail {
  const sorted = [...group].sort((a, b) => (SEVERITY[b.status] ?? 0) - (SEVERITY[a.status] ?? 0));
  const first = sorted[0]!;
  const subject = sorted.length === 1 ? headline(first) : `${headline(first)} and ${sorted.length - 1} more`;
  const blocks = sorted.map((n) => details(n, publicUrl));
  const text = [
    ...blocks.map((b) => [b.title, ...b.lines.map((l) => `  ${l}`)].join('\n')),
    '',
    `Dashboard: ${publicUrl}/`,
  ].join('\n\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">${blocks
    .map(
      (b) =>
        `<h3 style="margin-bottom:4px">${escape(b.title)}</h3><ul>${b.lines.map((l) => `<li>${escape(l)}</li>`).join('')}</ul>`,
    )
    .join('')}<p><a href="${escape(publicUrl)}/">Open the dashboard</a></p></body></html>`;
  return { subject, text, html };
}

function details(n: ClaimedNotification, publicUrl: string): { title: string; lines: string[] } {
  const lines = [`since: ${n.at.toISOString()}`];
  if (n.previous) lines.push(`was: ${n.previous}`);
  if (n.value !== null) lines.push(`last value: ${n.value}`);
  if (n.message) lines.push(`message: ${n.message}`);
  if (n.check) {
    const query = n.namespace && n.namespace !== 'default' ? `?namespace=${encodeURIComponent(n.namespace)}` : '';
    lines.push(`check: ${publicUrl}/api/v1/checks/${encodeURIComponent(n.check)}${query}`);
  }
  return { title: headline(n), lines };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
