import Type from 'typebox';

/** Every error the API answers with: a stable code, a sentence, and the field at fault if any. */
export const ErrorReply = Type.Object({
  error: Type.String({ description: 'A stable code such as VILICUS_ERR_VALIDATION' }),
  message: Type.String(),
  field: Type.Optional(Type.String({ description: 'JSON pointer of the input at fault' })),
});
export type ErrorReply = Type.Static<typeof ErrorReply>;
