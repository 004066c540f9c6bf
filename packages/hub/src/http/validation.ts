// Schema validation at the edge. Two Ajv instances, because bodies and URLs need opposite rules:
// a JSON body must already have the right types ("admin": "true" is an error, not a boolean) and
// no unknown fields; query strings and path parameters are text by nature and are coerced.
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { type FieldValidation, HubError } from '../errors/index.js';

const common = { allErrors: true, strict: false, useDefaults: true } as const;
const bodyAjv = new Ajv({ ...common, coerceTypes: false, removeAdditional: false });
const urlAjv = new Ajv({ ...common, coerceTypes: 'array', removeAdditional: false });
for (const ajv of [bodyAjv, urlAjv]) addFormats.default(ajv);

export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
  const ajv = httpPart === 'body' ? bodyAjv : urlAjv;
  return ajv.compile(schema as object);
};

const compiled = new WeakMap<TSchema, ValidateFunction>();

/**
 * Checks a body that a page built from its form against the schema the REST API declares for the
 * same action, so that both refuse the same input with the same field messages.
 */
export function checkBody<T extends TSchema>(schema: T, value: unknown): asserts value is Static<T> {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = bodyAjv.compile(schema);
    compiled.set(schema, validate);
  }
  if (!validate(value)) {
    throw new HubError('validation_failed', undefined, {
      validations: toFieldValidations(validate.errors ?? [], 'body'),
    });
  }
}

/** Ajv's errors as one message per field, in words a user can act on. */
export function toFieldValidations(errors: ErrorObject[], part: string): FieldValidation[] {
  const out: FieldValidation[] = [];
  for (const e of errors) {
    const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const prefix = part === 'body' ? '' : `${part}.`;
    let field = `${prefix}${path}`.replace(/\.$/, '') || part;
    let message: string;
    switch (e.keyword) {
      case 'additionalProperties': {
        const extra = String((e.params as { additionalProperty: string }).additionalProperty);
        field = path ? `${prefix}${path}.${extra}` : `${prefix}${extra}`;
        message = `Unknown field ${extra}.`;
        break;
      }
      case 'required': {
        const missing = String((e.params as { missingProperty: string }).missingProperty);
        field = path ? `${prefix}${path}.${missing}` : `${prefix}${missing}`;
        message = `${missing} is required.`;
        break;
      }
      case 'type':
        message = `Must be ${String((e.params as { type: string }).type)}.`;
        break;
      case 'enum':
        message = `Must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}.`;
        break;
      default:
        message = `${e.message ?? 'is not valid'}.`.replace(/^./, (c) => c.toUpperCase());
    }
    if (!out.some((v) => v.field === field && v.message === message)) out.push({ field, message });
  }
  return out;
}
