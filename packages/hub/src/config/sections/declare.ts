// Building blocks for the option declarations in this directory.
//
// Conventions for a leaf: it carries `default` and `description`; a string with a `pattern` also
// carries `errorMessage` (what the user should write, as a phrase after "must be"), because a
// regular expression is not an explanation. Sections are objects with a description and no
// other keys than those declared.
import { type TLiteral, type TProperties, type TUnion, Type } from '@sinclair/typebox';

export const section = <T extends TProperties>(description: string, properties: T) =>
  Type.Object(properties, { description, additionalProperties: false });

type Literals<V extends readonly string[]> = { -readonly [K in keyof V]: TLiteral<V[K]> };

export const oneOf = <const V extends readonly string[]>(
  values: V,
  options: { default: V[number]; description: string },
) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as TUnion<Literals<V>>;

export const userList = (description: string) =>
  Type.Array(Type.String({ minLength: 1 }), { default: [], description });
