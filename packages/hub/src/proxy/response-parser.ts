// Reads HTTP/1.1 responses from a server's connection, incrementally, for the proxy's own
// upstream client (upstream-pool.ts): the status line and headers, then the body as its framing
// says (RFC 9112 §6.3) — Content-Length, chunked, or until the connection closes; none for HEAD,
// 1xx, 204 and 304. Interim responses (103 Early Hints) are skipped. Anything malformed is an
// error: the proxy answers 503 rather than guess where a response ends.

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

type State = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'close' | 'done';

export class ResponseParser {
  private state: State = 'head';
  private pending: Buffer | undefined;
  private left = 0;

  constructor(
    private readonly handlers: ResponseHandlers,
    private readonly noBody: boolean,
    private readonly maxHeadBytes: number,
  ) {}

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
          const piece = buf.subarray(0, n);
          buf = buf.subarray(n);
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
          this.handlers.onBody(buf.subarray(0, n), false);
          buf = buf.subarray(n);
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
    const lines = text.split('\r\n');
    const status = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: (.*))?$/.exec(lines[0] ?? '');
    if (!status) throw new MalformedResponse('the status line is not HTTP/1.x');
    const code = Number(status[2]);
    const rawHeaders: string[] = [];
    let length: number | undefined;
    let chunked = false;
    let encoded = false;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      // Obsolete line folding (a line starting with white space) is refused, as RFC 9112 allows.
      if (colon <= 0 || line.charCodeAt(0) === 32 || line.charCodeAt(0) === 9)
        throw new MalformedResponse('a header line is malformed');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      switch (name.toLowerCase()) {
        case 'content-length': {
          if (!/^\d{1,15}$/.test(value)) throw new MalformedResponse('Content-Length is not a number');
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
    const keepAlive = status[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
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
      statusMessage: status[3] ?? '',
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
