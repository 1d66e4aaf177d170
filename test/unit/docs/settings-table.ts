// The README's settings tables are generated from the settings themselves;
// test/unit/docs/readme.test.ts checks the README still holds each row.
import type { Setting } from '../../../contract/settings.ts';

export function settingRows(table: Record<string, Setting<unknown>>): string[] {
  return Object.values(table).map((s) => {
    const shown = s.shownDefault
      ? `\`${s.shownDefault}\``.replace('`(none)`', '(none)')
      : s.default === undefined
        ? '(unset)'
        : formatDefault(s.default);
    return `| \`--${s.flag}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | ${shown} | ${s.help} |`;
  });
}

function formatDefault(value: unknown): string {
  return `\`${String(value)}\``;
}
