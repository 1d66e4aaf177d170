import { describe, expect, it } from 'vitest';
import { ApiError, errors } from '../../../server/errors.ts';

const entries = Object.entries(errors);

describe('error catalogue', () => {
  it('has entries', () => {
    expect(entries.length).toBeGreaterThan(0);
  });

  it.each(entries)('%s has a VILICUS_ERR_ code in upper snake case', (_key, definition) => {
    expect(definition.code).toMatch(/^VILICUS_ERR_[A-Z]+(_[A-Z]+)*$/);
  });

  it.each(entries)('%s has a client or server error status', (_key, definition) => {
    expect(Number.isInteger(definition.status)).toBe(true);
    expect(definition.status).toBeGreaterThanOrEqual(400);
    expect(definition.status).toBeLessThan(600);
  });

  it.each(entries)('%s has a message', (_key, definition) => {
    expect(definition.message.trim()).not.toBe('');
  });

  it('gives every entry its own code', () => {
    const codes = entries.map(([, definition]) => definition.code);
    const repeated = codes.filter((code, i) => codes.indexOf(code) !== i);
    expect(repeated).toEqual([]);
  });
});

describe('ApiError', () => {
  it('takes code, status and message from the catalogue', () => {
    const error = new ApiError(errors.notFound);
    expect(error).toMatchObject({ code: 'VILICUS_ERR_NOT_FOUND', statusCode: 404, message: 'No such object' });
    expect(error.field).toBeUndefined();
  });

  it('keeps a specific message and the field at fault', () => {
    const error = new ApiError(errors.invalidCheck, 'maxCount must not be below minCount', '/spec/process/maxCount');
    expect(error).toMatchObject({
      code: 'VILICUS_ERR_INVALID_CHECK',
      statusCode: 400,
      message: 'maxCount must not be below minCount',
      field: '/spec/process/maxCount',
    });
    expect(error).toBeInstanceOf(Error);
  });
});
