// The proxy's traffic: requests and WebSocket upgrades by kind and status class with their
// duration, the bytes of their bodies each way, and the WebSockets open. The proxy calls this for
// every request, so recording one is a few additions into arrays (slot-histogram.ts); the
// numbers take prom-client's shape only when Prometheus scrapes. Labels: kind (http, websocket)
// and status class, nothing else.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ExchangeKind, ProxyObserver } from '../proxy/index.js';
import { SlotHistogram } from './slot-histogram.js';

const KINDS: readonly ExchangeKind[] = ['http', 'websocket'];
/** 'aborted': the browser left before any answer. */
const CLASSES = ['aborted', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const SLOTS = KINDS.flatMap((kind) => CLASSES.map((status_class) => ({ kind, status_class })));
/** From a cached answer on loopback to a long poll or a slow download. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function slotOf(kind: ExchangeKind, status: number): number {
  const c = status === 0 ? 0 : Math.min(5, Math.max(1, Math.floor(status / 100)));
  return (kind === 'http' ? 0 : CLASSES.length) + c;
}

/** Where a spliced WebSocket's bytes count: websocket, 1xx (its upgrade was answered 101). */
const WEBSOCKET_FRAMES = slotOf('websocket', 101);

export class ProxyMetrics implements ProxyObserver {
  readonly #durations: SlotHistogram;
  readonly #received = new Float64Array(SLOTS.length);
  readonly #sent = new Float64Array(SLOTS.length);
  readonly #open: Gauge;

  constructor(registry: Registry) {
    const durations = new SlotHistogram(registry, {
      name: 'hpchub_proxy_request_duration_seconds',
      help: 'Requests through the proxy to users’ servers (/user/…) and the proxy’s own answers to them, by kind (http, websocket: until the upgrade was answered) and status class, with the time until the answer was sent.',
      slots: SLOTS,
      buckets: BUCKETS,
    });
    this.#durations = durations;
    const bytes = (name: string, help: string, of: Float64Array) =>
      new Counter({
        name,
        help,
        labelNames: ['kind', 'status_class'],
        registers: [registry],
        collect() {
          this.reset();
          SLOTS.forEach((labels, slot) => {
            const n = of[slot] ?? 0;
            if (n !== 0 || durations.count(slot) !== 0) this.inc(labels, n);
          });
        },
      });
    bytes(
      'hpchub_proxy_received_bytes_total',
      'Bytes the proxy received from browsers: request bodies, and what WebSockets carried from the browser (kind websocket, status_class 1xx).',
      this.#received,
    );
    bytes(
      'hpchub_proxy_sent_bytes_total',
      'Bytes the proxy sent to browsers: answer bodies, and what WebSockets carried to the browser (kind websocket, status_class 1xx).',
      this.#sent,
    );
    this.#open = new Gauge({
      name: 'hpchub_proxy_websockets',
      help: 'WebSockets open through the proxy.',
      registers: [registry],
    });
  }

  exchanged(kind: ExchangeKind, status: number, received: number, sent: number, seconds: number): void {
    const slot = slotOf(kind, status);
    this.#durations.observe(slot, seconds);
    this.#add(slot, received, sent);
  }

  websocketOpened(): void {
    this.#open.inc();
  }

  websocketClosed(received: number, sent: number): void {
    this.#open.dec();
    this.#add(WEBSOCKET_FRAMES, received, sent);
  }

  #add(slot: number, received: number, sent: number): void {
    this.#received[slot] = (this.#received[slot] ?? 0) + received;
    this.#sent[slot] = (this.#sent[slot] ?? 0) + sent;
  }
}
