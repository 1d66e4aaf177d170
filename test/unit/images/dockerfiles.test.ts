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

  it('installs nothing in the final stage', () => {
    expect(all(image, 'RUN').join('\n')).not.toMatch(/\b(npm|apt-get|apk)\b/);
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

describe('the server image', () => {
  const stages = parseStages(readDockerfile('Dockerfile.server'));
  const image = final(stages);

  it('is multi-stage: the build runs in a stage of its own, from the lockfile, and the image holds only its output', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(all(build, 'COPY').join('\n')).toContain('package-lock.json');
    expect(all(build, 'RUN')).toEqual([
      'npm ci --ignore-scripts --no-audit --no-fund',
      'node cli/build-server.ts --with-packages',
    ]);
    expect(contextSources(image)).toEqual([]);
    const copies = image.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.map((i) => [i.flags['from'], ...i.args])).toEqual([['build', '/src/dist/vilicus-server', './']]);
  });

  it("starts its build stage with the agent's steps, so that `buildah bud --layers` builds them once", () => {
    const head = (text: string): string[] => {
      const build = parseStages(text).find((s) => s.name === 'build')!;
      const steps = build.instructions.map((i) => `${i.keyword} ${i.text}`);
      return steps.slice(0, steps.findIndex((step) => step.startsWith('RUN')) + 1);
    };
    expect(head(readDockerfile('Dockerfile.server'))).toEqual(head(readDockerfile('Dockerfile.agent')));
  });

  it('runs on the Node 24 slim image', () => {
    for (const stage of stages) expect(stage.base).toBe('node:24-slim');
  });

  it("starts the build's vilicus command in exec form (signals reach node)", () => {
    expect(image.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toEqual(['node', '/app/main.js']);
    expect(image.instructions.find((i) => i.keyword === 'CMD')?.args).toEqual(['server']);
  });
});

describe('the agent image', () => {
  const stages = parseStages(readDockerfile('Dockerfile.agent'));
  const image = final(stages);
  const nodeVersion = /^node_version=(\S+)$/m.exec(readFileSync(new URL('images/node-base.sh', REPO), 'utf8'))![1];

  it('bundles the agent in a node:24-slim build stage, from the lockfile', () => {
    const build = stages.find((s) => s.name === 'build')!;
    expect(build.base).toBe('node:24-slim');
    expect(all(build, 'COPY').join('\n')).toContain('package-lock.json');
    expect(all(build, 'RUN')).toEqual(['npm ci --ignore-scripts --no-audit --no-fund', 'node cli/build-agent.ts']);
  });

  it('runs on the runtime base of images/node-runtime.sh, with the Node of images/node-base.sh', () => {
    expect(image.base).toBe(`docker.io/vilicus/node-runtime:${nodeVersion}-bookworm`);
    expect(readFileSync(new URL('images/node-runtime.sh', REPO), 'utf8')).toContain(
      'runtime_name=docker.io/vilicus/node-runtime:$node_version-$debian_suite',
    );
  });

  it('holds the one bundled file and nothing else of the repository (agent/README.md)', () => {
    expect(contextSources(image)).toEqual([]);
    const copies = image.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.map((i) => [i.flags['from'], ...i.args])).toEqual([
      ['build', '/src/dist/vilicus-agent/vilicus-agent.cjs', './'],
    ]);
    // The build stage copies the agent's sources, never the server's.
    expect(stages.flatMap(contextSources).sort()).toEqual([
      'agent',
      'cli',
      'contract',
      'package-lock.json',
      'package.json',
    ]);
  });

  it('starts the bundle with node in exec form (no shell in the image; signals reach node)', () => {
    expect(image.instructions.find((i) => i.keyword === 'ENTRYPOINT')?.args).toEqual([
      'node',
      '/app/vilicus-agent.cjs',
    ]);
    expect(image.instructions.find((i) => i.keyword === 'CMD')?.args).toEqual(['agent']);
    expect(all(image, 'RUN')).toEqual([]);
  });
});

describe('.dockerignore', () => {
  const ignored = dockerignore(readFileSync(new URL('.dockerignore', REPO), 'utf8'));

  it.each([
    ['server/main.ts', false],
    ['agent/probes/cpu.ts', false],
    ['contract/check.ts', false],
    ['cli/build-agent.ts', false],
    ['examples/checks/cpu-busy.yaml', false],
    ['examples/prometheus/vilicus-rules.yaml', true],
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
