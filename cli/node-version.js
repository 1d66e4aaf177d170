// The oldest Node.js that runs vilicus: it strips the TypeScript of the sources
// and has the APIs they use. Plain JavaScript, so that an older Node reads it.
export const NEEDED = [22, 22];

/** What to tell a person when `version` (process.versions.node) is too old, else null. */
// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- plain JavaScript: the types are in node-version.d.ts
export function tooOld(version, args = []) {
  const [major, minor] = version.split('.').map(Number);
  if (major > NEEDED[0] || (major === NEEDED[0] && minor >= NEEDED[1])) return null;
  return [
    `vilicus needs Node.js ≥ ${NEEDED.join('.')}; this is ${version}.`,
    'Install Node.js 24 (https://nodejs.org, or `nvm install 24`), or run vilicus once with it through npx:',
    `  npx -p node@24 -p vilicus vilicus ${args.join(' ')}`.trimEnd(),
  ].join('\n');
}
