// Reads HTTP/1.1 responses from a server's connection, incrementally, for the forwarding hops'
// own client (upstream-pool.ts): the status line and headers, then the body as its framing
// says (RFC 9112 §6.3) — Content-Length, chunked, or until the connection closes; none for HEAD,
// 1xx, 204 and 304. Interim responses (103 Early Hints) are skipped. Anything malformed is an
// error: the hop answers an error rather than guess where a response ends.

export interface ResponseHead {
  status: number;
  statusMessage: string;
  /** [name, value, name, value, …] as received (values trimmed). */
  rawHeaders: string[];
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
  /** Whether the body has a declared length (so the client needs no chunked framing). */
  hasLength: boolean;
}

export interface ResponseHandlers {
  onHead(head: ResponseHead): void;
  /** `last`: this chunk completes the body (onEnd follows at once). */
  onBody(chunk: Buffer, last: boolean): void;
  onEnd(): void;
}

export class MalformedResponse extends Error {
  constructor(message: string) {
    super(`malformed response from the server: ${message}`);
    this.name = 'MalformedResponse';
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const EMPTY = Buffer.alloc(0);

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'close' | 'done';

const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * The status code of the status line text[0, end), which must match
 * /^HTTP\/1\.[01] [1-9]\d\d(?: [^\r\n]*)?$/ — checked by hand, as this runs for every response.
 */
function statusCode(text: string, end: number): number {
  const minor = text.charCodeAt(7);
  const d0 = text.charCodeAt(9);
  const d1 = text.charCodeAt(10);
  const d2 = text.charCodeAt(11);
  let ok =
    text.startsWith('HTTP/1.') &&
    (minor === 48 || minor === 49) &&
    text.charCodeAt(8) === 32 &&
    d0 >= 49 &&
    d0 <= 57 &&
    isDigit(d1) &&
    isDigit(d2) &&
    (end === 12 || (end > 12 && text.charCodeAt(12) === 32));
  for (let i = 13; ok && i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) ok = false;
  }
  if (!ok) throw new MalformedResponse('the status line is not HTTP/1.x');
  return (d0 - 48) * 100 + (d1 - 48) * 10 + (d2 - 48);
}

/** Whether trim() might remove the character (all it removes that a latin1 string can hold, and more). */
const isTrimmed = (c: number) => c <= 32 || c === 160;

/**
 * text[from, end) without white space at either end, as trim() gives it; the usual `Name: value`
 * (one space, nothing to cut at the end) is a single slice.
 */
function headerValue(text: string, from: number, end: number): string {
  const first = text.charCodeAt(from + 1);
  if (
    text.charCodeAt(from) === 32 &&
    from + 1 < end &&
    !isTrimmed(first) &&
    !isTrimmed(text.charCodeAt(end - 1))
  )
    return text.slice(from + 1, end);
  return text.slice(from, end).trim();
}

/** 1 to 15 decimal digits (/^\d{1,15}$/). */
function isLength(value: string): boolean {
  if (value.length === 0 || value.length > 15) return false;
  for (let i = 0; i < value.length; i++) if (!isDigit(value.charCodeAt(i))) return false;
  return true;
}

/** Reads one response, then (after reset) the next on the same connection. */
export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | undefined;
  private left = 0;

  constructor(
    private readonly handlers: ResponseHandlers,
    private noBody: boolean,
    private readonly maxHeadBytes: number,
  ) {}

  /** Gets ready for the next response (one parser serves a connection, not one per exchange). */
  reset(noBody: boolean): void {
    this.state = 'head';
    this.pending = undefined;
    this.left = 0;
    this.noBody = noBody;
  }

  get done(): boolean {
    return this.state === 'done';
  }

  /** A body that runs until the connection closes (no length, not chunked). */
  get endsAtClose(): boolean {
    return this.state === 'close';
  }

  /** Feeds bytes; throws MalformedResponse. Returns bytes left over after the response ended, if any. */
  feed(input: Buffer): Buffer | undefined {
    let buf = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = undefined;
    while (buf.length > 0) {
      switch (this.state) {
        case 'head': {
          const end = buf.indexOf(CRLFCRLF);
          if (end === -1) {
            if (buf.length > this.maxHeadBytes) throw new MalformedResponse('the head is too large');
            this.pending = buf;
            return undefined;
          }
          if (end > this.maxHeadBytes) throw new MalformedResponse('the head is too large');
          const rest = buf.subarray(end + 4);
          this.head(buf.toString('latin1', 0, end));
          buf = rest;
          break;
        }
        case 'length': {
          const n = Math.min(this.left, buf.length);
          this.left -= n;
          // Usually the body is the rest of the buffer: no views to make of it.
          const whole = n === buf.length;
          const piece = whole ? buf : buf.subarray(0, n);
          buf = whole ? EMPTY : buf.subarray(n);
          this.handlers.onBody(piece, this.left === 0);
          if (this.left === 0) this.finish();
          break;
        }
        case 'chunk-size':
        case 'chunk-crlf':
        case 'trailers': {
          const eol = buf.indexOf('\r\n');
          if (eol === -1) {
            if (buf.length > 4096) throw new MalformedResponse('a chunk line is too long');
            this.pending = buf;
            return undefined;
          }
          const line = buf.toString('latin1', 0, eol);
          buf = buf.subarray(eol + 2);
          this.chunkLine(line);
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.left, buf.length);
          this.left -= n;
          const whole = n === buf.length;
          this.handlers.onBody(whole ? buf : buf.subarray(0, n), false);
          buf = whole ? EMPTY : buf.subarray(n);
          if (this.left === 0) this.state = 'chunk-crlf';
          break;
        }
        case 'close':
          this.handlers.onBody(buf, false);
          return undefined;
        case 'done':
          return buf;
      }
    }
    return undefined;
  }

  /** The connection closed: the end of a close-delimited body, or an error. */
  close(): void {
    if (this.state === 'close') this.finish();
    else if (this.state !== 'done')
      throw new MalformedResponse('the connection closed before the response ended');
  }

  private chunkLine(line: string): void {
    if (this.state === 'chunk-crlf') {
      if (line !== '') throw new MalformedResponse('chunk data is longer than its size');
      this.state = 'chunk-size';
    } else if (this.state === 'trailers') {
      // Trailers are not passed on (the client's framing is Node's); an empty line ends them.
      if (line === '') this.finish();
    } else {
      const size = line.split(';', 1)[0]?.trim() ?? '';
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new MalformedResponse('a chunk size is not hexadecimal');
      this.left = Number.parseInt(size, 16);
      this.state = this.left === 0 ? 'trailers' : 'chunk-data';
    }
  }

  private head(text: string): void {
    // Read in place with indexOf (no split, no regular expression for the status line): this
    // runs for every response the proxy forwards.
    let eol = text.indexOf('\r\n');
    if (eol === -1) eol = text.length;
    const code = statusCode(text, eol);
    const statusMessage = eol > 13 ? text.slice(13, eol) : '';
    const http11 = text.charCodeAt(7) === 49; // statusCode() let through 1.0 and 1.1 only
    const rawHeaders: string[] = [];
    let length: number | undefined;
    let chunked = false;
    let encoded = false;
    let connection = '';
    for (let at = eol + 2; at < text.length; at = eol + 2) {
      eol = text.indexOf('\r\n', at);
      if (eol === -1) eol = text.length;
      const colon = text.indexOf(':', at);
      const first = text.charCodeAt(at);
      // Obsolete line folding (a line starting with white space) is refused, as RFC 9112 allows.
      if (colon <= at || colon > eol || first === 32 || first === 9)
        throw new MalformedResponse('a header line is malformed');
      const name = text.slice(at, colon);
      const value = headerValue(text, colon + 1, eol);
      // Only names of these lengths can be one of the three that frame the body.
      if (name.length === 14 || name.length === 17 || name.length === 10)
        switch (name.toLowerCase()) {
          case 'content-length': {
            if (!isLength(value)) throw new MalformedResponse('Content-Length is not a number');
            const n = Number(value);
            if (length !== undefined && length !== n)
              throw new MalformedResponse('Content-Length is given twice');
            length = n;
            break;
          }
          case 'transfer-encoding':
            encoded = true;
            chunked = /(?:^|,)\s*chunked\s*$/i.test(value);
            break;
          case 'connection':
            connection += `${value.toLowerCase()},`;
            break;
        }
      rawHeaders.push(name, value);
    }
    // 1xx other than 101 are interim: the final response follows on the same connection.
    if (code < 200 && code !== 101) return;
    const keepAlive = http11 ? !connection.includes('close') : connection.includes('keep-alive');
    const noBody = this.noBody || code === 204 || code === 304 || code === 101;
    let hasLength = false;
    if (noBody) this.state = 'done';
    else if (encoded) this.state = chunked ? 'chunk-size' : 'close';
    else if (length !== undefined) {
      hasLength = true;
      this.left = length;
      this.state = length === 0 ? 'done' : 'length';
    } else this.state = 'close';
    this.handlers.onHead({
      status: code,
      statusMessage,
      rawHeaders,
      keepAlive: keepAlive && this.state !== 'close',
      hasLength: hasLength || noBody,
    });
    if (this.state === 'done') this.handlers.onEnd();
  }

  private finish(): void {
    this.state = 'done';
    this.handlers.onEnd();
  }
}
