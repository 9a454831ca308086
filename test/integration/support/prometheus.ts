// A real Prometheus for integration tests: Debian's `prometheus` binary started on a free port with a
// generated configuration that scrapes the given targets every second and loads the given rule files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One series of an instant query. */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value as text] ("NaN", "+Inf" included). */
  readonly value: readonly [number, string];
}

export interface PrometheusOptions {
  /** host:port targets scraped as job `job` at /metrics. */
  readonly targets: readonly string[];
  /** Job name (default tbptt-stream, as in deploy/prometheus/prometheus.yml). */
  readonly job?: string;
  /** Absolute paths of rule files to load. */
  readonly ruleFiles?: readonly string[];
  /** Scrape and rule evaluation interval in seconds (default 1). */
  readonly intervalSeconds?: number;
  /** Binary (default `prometheus` on PATH). */
  readonly binary?: string;
}

/** True when the prometheus binary can be run. */
export function prometheusAvailable(binary = 'prometheus'): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A running Prometheus. */
export class PrometheusServer {
  private exited = false;
  private readonly stderr: string[] = [];
  private readonly onExit = () => this.process.kill('SIGKILL');

  private constructor(
    private readonly process: ChildProcess,
    /** Base URL, e.g. http://127.0.0.1:41234 */
    readonly url: string,
    private readonly dir: string,
    readonly job: string,
  ) {
    process.stderr?.on('data', (d: Buffer) => {
      this.stderr.push(d.toString());
      if (this.stderr.length > 200) this.stderr.shift();
    });
    process.once('exit', () => { this.exited = true; });
    globalThis.process.once('exit', this.onExit);
  }

  /** Starts Prometheus and waits until /-/ready answers 200 (retrying on a port race). */
  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const job = options.job ?? 'tbptt-stream';
    const interval = `${options.intervalSeconds ?? 1}s`;
    let lastError: Error | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      const dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
      const config = [
        'global:', `  scrape_interval: ${interval}`, `  scrape_timeout: ${interval}`, `  evaluation_interval: ${interval}`,
        'rule_files:', ...(options.ruleFiles ?? []).map((f) => `  - ${JSON.stringify(f)}`),
        'scrape_configs:', `  - job_name: ${JSON.stringify(job)}`, '    metrics_path: /metrics',
        '    static_configs:', `      - targets: ${JSON.stringify(options.targets)}`, '',
      ].join('\n');
      writeFileSync(join(dir, 'prometheus.yml'), config);
      const port = await freePort();
      const child = spawn(options.binary ?? 'prometheus', [
        `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', '--storage.tsdb.retention.time=1h',
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      const server = new PrometheusServer(child, `http://127.0.0.1:${port}`, dir, job);
      try {
        await server.waitReady(30_000);
        return server;
      } catch (e) {
        lastError = e as Error;
        await server.stop();
      }
    }
    throw lastError ?? new Error('prometheus did not start');
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`prometheus exited during startup: ${this.log()}`);
      try {
        const r = await fetch(`${this.url}/-/ready`);
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`prometheus not ready after ${timeoutMs} ms: ${this.log()}`);
  }

  /** The last lines Prometheus wrote to stderr. */
  log(): string {
    return this.stderr.join('').split('\n').slice(-20).join('\n');
  }

  /** Runs an instant query through the HTTP API; throws with Prometheus's error message when it fails. */
  async query(expr: string): Promise<PromSeries[]> {
    const r = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ query: expr }),
    });
    const body = await r.json() as { status: string; error?: string; data?: { resultType: string; result: unknown } };
    if (body.status !== 'success') throw new Error(`query failed (${body.error ?? r.status}): ${expr}`);
    if (body.data!.resultType === 'scalar') return [{ metric: {}, value: body.data!.result as [number, string] }];
    return body.data!.result as PromSeries[];
  }

  /** The loaded rules and their last evaluation's health (`ok`, `err`, `unknown`) and error. */
  async rules(): Promise<{ name: string; health: string; lastError?: string; query: string }[]> {
    const r = await (await fetch(`${this.url}/api/v1/rules`)).json() as { data: { groups: { rules: { name: string; health: string; lastError?: string; query: string }[] }[] } };
    return r.data.groups.flatMap((g) => g.rules);
  }

  /** Waits until every target of the job has been scraped successfully at least `scrapes` times. */
  async waitForScrapes(scrapes: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      const up = await this.query(`up{job=${JSON.stringify(this.job)}}`);
      const counts = await this.query(`sum_over_time(up{job=${JSON.stringify(this.job)}}[10m])`);
      last = JSON.stringify({ up, counts });
      if (up.length > 0 && up.every((s) => s.value[1] === '1') && counts.length === up.length && counts.every((s) => Number(s.value[1]) >= scrapes)) return;
      await sleep(250);
    }
    throw new Error(`targets not scraped ${scrapes} times within ${timeoutMs} ms: ${last}; ${this.log()}`);
  }

  /** Stops Prometheus and removes its data. */
  async stop(): Promise<void> {
    globalThis.process.off('exit', this.onExit);
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.process.once('exit', () => r()));
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
