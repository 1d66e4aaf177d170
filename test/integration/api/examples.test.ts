// Every example in examples/checks/ is a Check the API accepts (what
// `vilicus apply -f examples/checks/` and `vilicus up` send), and there is
// one for each probe kind.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindsOf } from '../../../contract/check-rules.ts';
import { probeKinds, type CheckDocument } from '../../../contract/index.ts';
import { readDocuments } from '../../../cli/documents.ts';
import { startTestApp, type TestApp } from '../../helpers/app.ts';

const dir = fileURLToPath(new URL('../../../examples/checks/', import.meta.url));
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const documents = files.flatMap((file) => readDocuments(join(dir, file)) as CheckDocument[]);

describe('examples/checks', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp('pglite', null)));
  afterAll(async () => t?.close());

  it.each(documents.map((doc) => [doc.metadata.name, doc] as const))('accepts %s', async (name, doc) => {
    const reply = await t.app.inject({ method: 'PUT', url: `/api/v1/checks/${name}`, headers: t.admin, payload: doc });
    expect(reply.statusCode, reply.body).toBe(201);
  });

  it('has an example of every probe kind', () => {
    expect(new Set(documents.flatMap((doc) => kindsOf(doc.spec)))).toEqual(new Set(probeKinds));
  });

  it('keeps the two original examples', () => {
    expect(documents.map((doc) => doc.metadata.name)).toEqual(expect.arrayContaining(['cpu-busy', 'nginx-running']));
  });
});
