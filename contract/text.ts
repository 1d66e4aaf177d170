// Text that reaches the database. PostgreSQL's text and jsonb hold neither a
// NUL nor an unpaired UTF-16 surrogate (jsonb refuses it: a 500; text turns it
// into U+FFFD: a silent change), so every inbound string a route stores is one
// of these, and a bad one is a 400 naming its field before any query runs.
// Result messages are the exception: they are kept, cleaned (ingest).
import Type, { type TRecord, type TString, type TStringOptions } from 'typebox';

const STORABLE_TAIL = '[^\\u0000\\ud800-\\udfff]*$';

/** What the error says when a string breaks the rule. */
export const STORABLE_TEXT_RULE = 'must not hold a NUL (U+0000) or an unpaired surrogate (U+D800-U+DFFF)';

/** `^<head>` then only storable characters: e.g. storablePattern('/') for an absolute path. */
export function storablePattern(head = ''): string {
  return `^${head}${STORABLE_TAIL}`;
}

/** The head of a storablePattern (`''` for plain text), or null for any other pattern. */
export function storableHead(pattern: string): string | null {
  return pattern.startsWith('^') && pattern.endsWith(STORABLE_TAIL) ? pattern.slice(1, -STORABLE_TAIL.length) : null;
}

/** A string the database can store as given. */
export function Text(options: Omit<TStringOptions, 'pattern'> = {}): TString {
  return Type.String({ ...options, pattern: storablePattern() });
}

/** A map of labels (Kubernetes sizes: keys up to 317 characters, values up to 63), keys and values storable. */
export function LabelMap(maxProperties: number): TRecord<'^.*$', TString> {
  return Type.Record(Type.String(), Text({ maxLength: 63 }), {
    maxProperties,
    // A record's key schema becomes patternProperties, which limit nothing: the key rules live here.
    propertyNames: { maxLength: 317, pattern: storablePattern() },
  });
}
