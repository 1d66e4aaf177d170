// The container images, checked without a Docker engine: a Dockerfile linter
// (dockerfile-utils, the validator behind the VS Code Docker extension) and
// the properties the images promise, read from the parsed Dockerfiles.
import { existsSync, readFileSync } from 'node:fs';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import {
  contextSources,
  dockerignore,
  parseStages,
  readDockerfile,
  REPO,
  type Stage,
} from '../../helpers/dockerfile.ts';

const images = [
  { file: 'Dockerfile.server', uid: '1000', healthcheck: true },
  { file: 'Dockerfile.agent', uid: '65534', healthcheck: false },
] as const;

const final = (stages: Stage[]): Stage => stages.at(-1)!;
const all = (stage: Stage, keyword: string): string[] =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.text);

describe('the Dockerfile linter', () => {
  it('finds problems in a broken Dockerfile (so that silence below means something)', () => {
    const problems = validate('FROM node:24-slim\nUSER\nEXPOSE port\nCMD ["a"\n');
    expect(problems.length).toBeGreaterThanOrEqual(2);
  });

  it.each(images)('reports nothing for $file', ({ file }) => {
    const problems = validate(readDockerfile(file)).map((d) => {
      const message = typeof d.message === 'string' ? d.message : d.message.value;
      return `${d.range.start.line + 1}: ${message}`;
    });
    expect(problems).toEqual([]);
  });
});

describe.each(images)('$file', ({ file, uid, healthcheck }) => {
  const stages = parseStages(readDockerfile(file));
  const image = final(stages);

  it('is multi-stage: dependencies are installed in a stage of their own', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const deps = stages.find((s) => s.name === 'deps')!;
    expect(all(deps, 'RUN').join('\n')).toMatch(/\bnpm ci --omit=dev\b/);
    expect(all(deps, 'COPY').join('\n')).toContain('package-lock.json');
    const fromDeps = image.instructions.filter((i) => i.keyword === 'COPY' && i.flags['from'] === 'deps');
    expect(fromDeps.map((i) => i.args[0])).toEqual(['/app/node_modules']);
  });

  it('runs on the Node 24 slim image and installs nothing in the final stage', () => {
    for (const stage of stages) expect(stage.base).toBe('node:24-slim');
    expect(all(image, 'RUN').join('\n')).not.toMatch(/\b(npm|apt-get|apk)\b/);
  });

  it(`runs as the non-root user ${uid}, by number (runAsNonRoot can verify it)`, () => {
    const users = all(image, 'USER');
    expect(users.at(-1)).toBe(`${uid}:${uid}`);
  });

  it('carries the OCI labels', () => {
    const labels = all(image, 'LABEL').join(' ');
    for (const key of ['title', 'description', 'version', 'revision', 'created', 'licenses'])
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    expect(labels).toContain('org.opencontainers.image.licenses="Apache-2.0"');
  });

  it('starts the vilicus command in exec form (signals reach node)', () => {
    expect(image.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toEqual(['node', 'cli/vilicus.js']);
  });

  it(healthcheck ? 'has a HEALTHCHECK on /healthz' : 'has no HEALTHCHECK (it serves nothing)', () => {
    const checks = all(image, 'HEALTHCHECK');
    if (healthcheck) expect(checks.join('\n')).toMatch(/CMD \[.*\/healthz/);
    else expect(checks).toEqual([]);
  });

  it('copies only files that exist and that .dockerignore lets into the build context', () => {
    const ignored = dockerignore(readFileSync(new URL('.dockerignore', REPO), 'utf8'));
    const sources = stages.flatMap(contextSources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(new URL(source, REPO)), source).toBe(true);
      expect(ignored(source), source).toBe(false);
    }
  });
});

describe('the agent image', () => {
  it('holds no database or HTTP-server code (agent/README.md)', () => {
    const sources = contextSources(final(parseStages(readDockerfile('Dockerfile.agent'))));
    expect(sources).not.toContain('server');
    for (const source of sources)
      expect(source).toMatch(
        /^(agent|cli|contract|package\.json|server\/(config\.ts|alert-settings\.ts|version\.ts))$/,
      );
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(readFileSync(new URL('.dockerignore', REPO), 'utf8'));

  it.each([
    ['server/main.ts', false],
    ['agent/probes/cpu.ts', false],
    ['package-lock.json', false],
    ['server/x.test.ts', true],
    ['node_modules/fastify/package.json', true],
    ['.git/config', true],
    ['.vilicus/admin-token', true],
    ['test/unit/docs/readme.test.ts', true],
    ['charts/vilicus/values.yaml', true],
    ['.env', true],
  ])('%s left out: %s', (path, expected) => {
    expect(ignored(path)).toBe(expected);
  });
});
