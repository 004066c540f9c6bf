// One catalogue of stable error codes. Every error the hub answers with comes from here, so a
// client can branch on `code`, and docs/errors.md can be generated from this table.

export const ERRORS = {
  bad_request: { status: 400, message: 'The request is not valid.' },
  validation_failed: { status: 400, message: 'Some fields are not valid; see validations.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  unsupported_media_type: { status: 415, message: 'The request body must be JSON.' },
  body_too_large: { status: 413, message: 'The request body is too large.' },
  unauthorized: { status: 401, message: 'You must log in or present an API token.' },
  invalid_token: { status: 401, message: 'The API token is not valid, has expired, or was revoked.' },
  invalid_credentials: { status: 403, message: 'Invalid username or password.' },
  account_blocked: {
    status: 403,
    message: 'This account may not log in. Contact the cluster administrators.',
  },
  account_unusable: { status: 403, message: 'This account cannot be used yet.' },
  no_cluster_account: {
    status: 403,
    message: 'There is no account on the cluster for you yet. Ask the cluster administrators for one.',
  },
  sso_failed: {
    status: 400,
    message: 'Signing in through your institution did not work. Start again from the login page.',
  },
  sso_unavailable: {
    status: 503,
    message: 'Your institution’s sign-in service did not answer. Try again in a few minutes.',
  },
  csrf_failed: {
    status: 403,
    message: 'The form has expired or was not sent by this site; reload the page and try again.',
  },
  forbidden: { status: 403, message: 'This request is not allowed.' },
  not_found: { status: 404, message: 'Not found.' },
  unknown_server: {
    status: 404,
    message: 'The hub does not know this server (or not with this secret): its agent should stop.',
  },
  method_not_allowed: { status: 405, message: 'This method is not allowed here.' },
  conflict: { status: 409, message: 'That already exists.' },
  rate_limited: { status: 429, message: 'Too many attempts; try again later.' },
  start_line_full: {
    status: 429,
    message: 'Too many servers are starting or waiting to start; try again after Retry-After seconds.',
  },
  internal: { status: 500, message: 'Something went wrong on the hub. The error has been logged.' },
  unavailable: { status: 503, message: 'The service is not available right now.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
