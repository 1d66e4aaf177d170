// Process patterns run in bounded time whatever the command line they meet
// (docs/adr/0006-linear-time-process-patterns.md). V8's own engine runs them,
// as fast as before, and falls back to its linear-time engine when a match
// backtracks too much; a pattern that engine cannot run (backreferences,
// lookahead, counted repetition past 16) is refused at the contract, so every
// accepted pattern has the fallback. Plain functions: the agent imports this.

// Both flags are read each time a regexp is compiled or run, so setting them
// here works after start-up (unlike the memory flags of agent/v8-flags.ts);
// idempotent, and harmless to the server's own regexps (they gain the fallback).
// The agent starts with them on node's command line (agent/v8-flags.ts), so it
// never loads node:v8 for them (~0.4 MiB resident, agent/README.md).
export const LINEAR_REGEXP_FLAGS: readonly string[] = [
  '--enable-experimental-regexp-engine',
  '--enable-experimental-regexp-engine-on-excessive-backtracks',
];
const unset = LINEAR_REGEXP_FLAGS.filter((flag) => !process.execArgv.includes(flag));
if (unset.length > 0) {
  const v8 = process.getBuiltinModule('node:v8');
  for (const flag of unset) v8.setFlagsFromString(flag);
}

/** Why a process pattern is refused, or null when it is accepted. */
export function patternProblem(pattern: string): string | null {
  try {
    new RegExp(pattern);
  } catch (error) {
    return `not a valid regular expression: ${String(error)}`;
  }
  try {
    new RegExp(pattern, 'l');
    return null;
  } catch {
    return 'cannot be matched in linear time: no backreferences, lookahead or counted repetition past {16}';
  }
}

/** The pattern as it is matched (throws for a pattern patternProblem refuses). */
export function compilePattern(pattern: string): RegExp {
  const problem = patternProblem(pattern);
  if (problem !== null) throw new Error(problem);
  return new RegExp(pattern);
}
