// The repository's Dockerfiles as data, for the tests that check them without
// a Docker engine: stages, instructions, what each image copies from the
// build context, and what .dockerignore lets into that context.
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';

export const REPO = new URL('../../', import.meta.url);

export interface Instruction {
  keyword: string;
  /** The arguments as written (continuations joined), for matching text. */
  text: string;
  /** Shell words; JSON form for exec-form instructions. */
  args: string[];
  /** `--name=value` flags (COPY --from, --chown…). */
  flags: Record<string, string | null>;
}

export interface Stage {
  /** `AS name`, or null. */
  name: string | null;
  /** The base image with the global ARG defaults filled in. */
  base: string;
  instructions: Instruction[];
}

export function readDockerfile(file: string): string {
  return readFileSync(new URL(file, REPO), 'utf8');
}

/** The global ARGs (before the first FROM) with their defaults. */
function initialArgs(text: string): Map<string, string> {
  const args = new Map<string, string>();
  for (const arg of DockerfileParser.parse(text).getInitialARGs()) {
    const property = arg.getProperty();
    if (property) args.set(property.getName(), property.getValue() ?? '');
  }
  return args;
}

export function parseStages(text: string): Stage[] {
  const dockerfile = DockerfileParser.parse(text);
  const args = initialArgs(text);
  const expand = (value: string): string =>
    value.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a?: string, b?: string) => args.get((a ?? b)!) ?? whole);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const words = instruction.getArguments().map((a) => a.getValue());
    const flags: Record<string, string | null> = {};
    const flagged = instruction as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] };
    for (const flag of flagged.getFlags?.() ?? []) flags[flag.getName()] = flag.getValue();
    const text = (instruction.getArgumentsContent() ?? '').replace(/\\\n\s*/g, '');
    const positional = words.filter((w) => !w.startsWith('--'));
    const args = text.trimStart().startsWith('[') ? (JSON.parse(text) as string[]) : positional;
    if (keyword === 'FROM') {
      const as = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ name: as >= 0 ? words[as + 1]! : null, base: expand(positional[0]!), instructions: [] });
      continue;
    }
    if (stages.length === 0) continue; // global ARGs, read above
    stages.at(-1)!.instructions.push({ keyword, text, args, flags });
  }
  return stages;
}

/** The paths an image copies from the build context (COPY without --from), relative to it. */
export function contextSources(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY' && !('from' in i.flags))
    .flatMap((i) => i.args.slice(0, -1))
    .map((p) => p.replace(/^\.\//, '').replace(/\/$/, ''));
}

/**
 * .dockerignore as Docker reads it: patterns in order, the last match wins,
 * `!` re-includes; `*` within a path segment, `**` across segments. Enough for
 * this repository's file (the test refuses syntax it does not handle).
 */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const exclude = !line.startsWith('!');
      const pattern = line.replace(/^!/, '').replace(/\/$/, '');
      if (/[[?\\]/.test(pattern)) throw new Error(`.dockerignore: unsupported pattern ${line}`);
      const source = pattern
        .split('/')
        .map((seg) => (seg === '**' ? '(?:.*)' : seg.replace(/[.+^${}()|]/g, '\\$&').replace(/\*/g, '[^/]*')))
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { exclude, regex: new RegExp(`^${source}$`) };
    });
  /** True when the path (or a folder above it) is left out of the build context. */
  return (path: string): boolean => {
    const parts = path.split('/');
    const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    // moby/patternmatcher: each pattern in order matches the path or a parent; the last match decides.
    for (const rule of rules) if (selfAndParents.some((p) => rule.regex.test(p))) excluded = rule.exclude;
    return excluded;
  };
}
