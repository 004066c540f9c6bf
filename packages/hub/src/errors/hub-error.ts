// The one error class of the hub. Thrown anywhere; turned into the API error body or the HTML
// error page by the error handler in http/errors.ts.
import { ERRORS, type ErrorCode } from './catalogue.js';

/** One invalid field: where it is and what to do about it. */
export interface FieldValidation {
  field: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  detail?: string;
  validations?: FieldValidation[];
}

export class HubError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly validations: FieldValidation[] | undefined;
  /** Extra response headers (Retry-After for 429). */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    extra: { detail?: string; validations?: FieldValidation[]; headers?: Record<string, string> } = {},
  ) {
    super(message ?? ERRORS[code].message);
    this.name = 'HubError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = extra.detail;
    this.validations = extra.validations;
    this.headers = extra.headers;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.detail !== undefined) body.detail = this.detail;
    if (this.validations !== undefined) body.validations = this.validations;
    return body;
  }
}

/** A request the caller may not make looks exactly like a missing resource. */
export const notFound = (): HubError => new HubError('not_found');
