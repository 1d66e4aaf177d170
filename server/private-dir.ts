// The data dir holds the admin token and the embedded database: only the
// server's user may read it. A folder that already exists (made by hand with
// the usual umask, or by an older vilicus) is tightened too, at every start:
// nothing of ours in it is meant for anyone else, so there is nothing to ask.
import { chmodSync, mkdirSync } from 'node:fs';

/** Creates `dir` (and its parents) if needed and makes it 0700. */
export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    chmodSync(dir, 0o700);
  } catch (error) {
    // A folder another user owns (a volume mounted with group access): its owner decides.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
  }
}
