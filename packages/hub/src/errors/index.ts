export { ERRORS, type ErrorCode } from './catalogue.js';
export { type ErrorBody, type FieldValidation, HubError, notFound } from './hub-error.js';
