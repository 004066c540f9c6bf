// The one error body every API answers with (hub, agent API, slurm-gateway).
import { type Static, Type } from '@sinclair/typebox';

export const FieldValidationSchema = Type.Object(
  {
    field: Type.String({ description: 'The field (dotted path) that is wrong.' }),
    message: Type.String({ description: 'What is wrong with it, as a sentence a user can act on.' }),
  },
  { description: 'One invalid field.' },
);

export const ErrorBodySchema = Type.Object(
  {
    code: Type.String({ description: 'Stable machine-readable code from the error catalogue.' }),
    message: Type.String({ description: 'An actionable sentence for people.' }),
    detail: Type.Optional(Type.String({ description: 'More information for debugging.' })),
    validations: Type.Optional(Type.Array(FieldValidationSchema)),
  },
  { $id: 'Error', description: 'The error body of every API answer that is not a success.' },
);

export type ErrorBodyWire = Static<typeof ErrorBodySchema>;
