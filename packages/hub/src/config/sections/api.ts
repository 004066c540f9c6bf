// The `api` section: paging of the REST API.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const ApiSection = section('The REST API.', {
  page_default_limit: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 50,
    description: 'Items per page when a request does not say `limit`.',
  }),
  page_max_limit: Type.Integer({
    minimum: 1,
    maximum: 10000,
    default: 200,
    description: 'Largest `limit` a request may ask for.',
  }),
});
