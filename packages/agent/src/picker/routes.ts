// The directory picker's HTTP endpoints, under `{prefix}_hpchub/picker/`: the page, its script
// and style, `api/dirs` (list directories) and `api/choose` (POST: start the app with a
// directory). The agent has already checked the hub's secret; choosing additionally requires a
// JSON body and, when the browser sends an Origin, the hub's own origin (no cross-site POST).
import type http from 'node:http';
import { PICKER_CSS, PICKER_JS } from './assets.js';
import { type DirectoryTree, PickerError } from './directories.js';
import { PICKER_CSP, type PickerPage, renderPickerPage } from './page.js';

const MAX_BODY = 16 * 1024;

export interface PickerHandlers {
  tree: DirectoryTree;
  page: PickerPage;
  /** Relative path where listing starts ('' for the root). */
  start: string;
  /** Whether a directory may still be chosen (only once). */
  canChoose(): boolean;
  /** Called with the chosen directory's real absolute path; returns the message to show. */
  choose(absolute: string): string;
}

const SECURITY_HEADERS = {
  'content-security-policy': PICKER_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function sendText(res: http.ServerResponse, type: string, text: string): void {
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Handles `rest`, the path after `{prefix}_hpchub/picker/`. */
export async function handlePicker(
  h: PickerHandlers,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  rest: string,
  query: URLSearchParams,
): Promise<void> {
  try {
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (rest === '') return sendText(res, 'text/html; charset=utf-8', renderPickerPage(h.page));
      if (rest === 'picker.js') return sendText(res, 'text/javascript; charset=utf-8', PICKER_JS);
      if (rest === 'picker.css') return sendText(res, 'text/css; charset=utf-8', PICKER_CSS);
      if (rest === 'api/dirs') {
        const listing = await h.tree.list(query.get('path') ?? h.start, query.get('hidden') === '1');
        return sendJson(res, 200, listing);
      }
    }
    if (req.method === 'POST' && rest === 'api/choose') return await choose(h, req, res);
    sendJson(res, 404, { message: 'Nothing here.' });
  } catch (err) {
    if (err instanceof PickerError) return sendJson(res, err.status, { message: err.message });
    throw err;
  }
}

async function choose(h: PickerHandlers, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json'))
    throw new PickerError(400, 'Send the choice as JSON.');
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const host = req.headers['x-forwarded-host'] ?? req.headers.host;
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost === undefined || originHost !== host)
      throw new PickerError(403, 'Cross-site requests are refused.');
  }
  const body = await readBody(req);
  let chosen: unknown;
  try {
    chosen = (JSON.parse(body) as { path?: unknown }).path;
  } catch {
    throw new PickerError(400, 'Send the choice as JSON: {"path": "…"}.');
  }
  if (typeof chosen !== 'string') throw new PickerError(400, 'Send the choice as JSON: {"path": "…"}.');
  const dir = await h.tree.resolve(chosen);
  if (!h.canChoose()) return sendJson(res, 409, { message: 'A directory was already chosen.' });
  const message = h.choose(dir.absolute);
  sendJson(res, 202, { phase: 'starting', path: dir.path, message });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new PickerError(400, 'That request is too large.'));
        chunks.length = 0;
        return;
      }
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
