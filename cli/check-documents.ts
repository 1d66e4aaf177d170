// `vilicus apply` reads every document and checks each against the contract
// (the schema and the rules beyond it) before it sends any, so a bad third
// document no longer leaves the first two applied and the rest not.
import Value from 'typebox/value';
import { CheckDocument, mostSpecific, specProblems } from '../contract/index.ts';
import { readDocuments } from './documents.ts';

export interface CheckDocumentAt {
  file: string;
  /** 1-based, counted across the file's `---` documents and List items. */
  index: number;
  doc: CheckDocument;
}

/** Every document of the files, or an error listing each one that is not a valid Check. */
export function readCheckDocuments(files: string[]): CheckDocumentAt[] {
  const all = files.flatMap((file) => readDocuments(file).map((doc, i) => ({ file, index: i + 1, doc })));
  const problems = all.flatMap(({ file, index, doc }) => {
    const problem = documentProblem(doc);
    if (!problem) return [];
    const name = (doc as { metadata?: { name?: unknown } }).metadata?.name;
    return [`  ${file} document ${index}${typeof name === 'string' ? ` (check/${name})` : ''}: ${problem}`];
  });
  if (problems.length > 0) {
    const count = `${problems.length} of ${all.length} document${all.length === 1 ? '' : 's'}`;
    throw new Error(`nothing applied: ${count} not valid\n${problems.join('\n')}`);
  }
  return all as CheckDocumentAt[];
}

/** The first thing wrong with a document, worded as the server would ("spec/cpu/above: must be <= 100"). */
function documentProblem(doc: unknown): string | null {
  const schemaErrors = [...Value.Errors(CheckDocument, doc)];
  if (schemaErrors.length > 0) {
    const { path, message } = mostSpecific(schemaErrors);
    return `${path.slice(1) || '(document)'}: ${message}`;
  }
  const rule = specProblems((doc as CheckDocument).spec)[0];
  return rule ? `${rule.field.slice(1)}: ${rule.message}` : null;
}
