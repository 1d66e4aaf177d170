// Reads Check documents from YAML or JSON files (several per file, `---`).
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export function readDocuments(path: string): unknown[] {
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) out.push(...(value as unknown[]));
    else if (typeof value === 'object' && (value as { kind?: string }).kind === 'List') {
      out.push(...((value as { items?: unknown[] }).items ?? []));
    } else out.push(value);
  }
  return out;
}
