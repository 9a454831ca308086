import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The paths the server answers (probes and scrape configs in deploy/ use these). */
export const TELEMETRY_PATHS = { metrics: '/metrics', liveness: '/healthz', readiness: '/readyz' } as const;

/** Whether the service is ready to receive traffic, and why not. */
export type Readiness = { readonly ready: true } | { readonly ready: false; readonly reason: string };

export interface TelemetryServerOptions {
  /** Served at /metrics. */
  readonly registry: Registry;
  /** Address to listen on (e.g. 0.0.0.0, 127.0.0.1). */
  readonly host: string;
  /** Port; 0 = any free port (the bound one is returned by `start`). */
  readonly port: number;
  /**
   * Liveness for /healthz: false once the pipeline has died (the handler running at all shows that the
   * event loop responds). A thrown error counts as not alive.
   */
  readonly isAlive: () => boolean;
  /** Readiness for /readyz: broker connected, partitions assigned, state restored. A thrown error counts as not ready. */
  readonly isReady: () => Readiness;
}

/** The HTTP endpoint of the service: /metrics (Prometheus text format), /healthz (liveness), /readyz (readiness). */
export class TelemetryServer {
  private server: Server | undefined;
  private shuttingDown = false;

  constructor(private readonly options: TelemetryServerOptions) {}

  /** Starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    if (this.server) throw new Error('telemetry server already started');
    const server = createServer((req, res) => void this.handle(req, res));
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return this.port;
  }

  /** The bound port (after `start`). */
  get port(): number {
    if (!this.server) throw new Error('telemetry server not started');
    return (this.server.address() as AddressInfo).port;
  }

  /** From now on /readyz answers 503 ("shutting down"); /metrics and /healthz keep answering until `stop`. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  /** Stops listening and closes open connections; resolves when the port is free. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.shuttingDown = true;
    await new Promise<void>((resolve, reject) => {
      server.close((e) => (e ? reject(e) : resolve()));
      server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n', { allow: 'GET, HEAD' });
    }
    try {
      switch (path) {
        case TELEMETRY_PATHS.metrics: {
          const body = await this.options.registry.metrics();
          return send(res, 200, this.options.registry.contentType, body);
        }
        case TELEMETRY_PATHS.liveness: {
          const alive = attempt(() => this.options.isAlive(), false);
          return sendJson(res, alive ? 200 : 503, alive ? { status: 'alive' } : { status: 'dead', reason: 'the pipeline has stopped' });
        }
        case TELEMETRY_PATHS.readiness: {
          const r: Readiness = this.shuttingDown
            ? { ready: false, reason: 'shutting down' }
            : attempt(() => this.options.isReady(), { ready: false, reason: 'readiness check failed' });
          return sendJson(res, r.ready ? 200 : 503, r.ready ? { status: 'ready' } : { status: 'not ready', reason: r.reason });
        }
        default:
          return send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics, /healthz or /readyz\n');
      }
    } catch (e) {
      return send(res, 500, 'text/plain; charset=utf-8', `${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
}

function attempt<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
