// Breaks agent-imports-only-contract: the agent reaches into the server's database code.
import { openDatabase } from '../server/db/orm.ts';
import { checkName } from '../contract/check.ts';

export const probe = (): string => `${checkName} ${openDatabase()}`;
