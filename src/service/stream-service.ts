import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Subject, filter, map, tap, type Subscription } from 'rxjs';
import type { ServiceConfig } from '../config/config-schema';
import { createDecoder } from '../decode/create-decoder';
import { toDeadLetter } from '../decode/dead-letter';
import { NextStepPairer } from '../decode/next-step-pairer';
import type { RawMessage } from '../domain/raw-message';
import type { WindowReport } from '../learner/online/online-learner';
import type { DiagnosticReport } from '../learner/online/truncation-controller';
import { AnomalyScorer } from '../learner/stats/anomaly-scorer';
import { decodeMessages, type DecodedMessage } from '../pipeline/decode-messages';
import { OffsetTracker } from '../pipeline/offset-tracker';
import { eachStep, pairSteps } from '../pipeline/pair-steps';
import { publishBatched, type Publication } from '../pipeline/publish-batched';
import { InFlightGate } from '../pipeline/bound-in-flight';
import { trainWindows } from '../pipeline/train-windows';
import { EvictedKeyStore } from '../sinks/checkpoint/evicted-key-store';
import { InstanceCheckpoints, type InstanceCheckpoint } from '../sinks/checkpoint/instance-checkpoints';
import { predictionMessage } from '../sinks/prediction-message';
import type { ProducedMessage } from '../sinks/produced-message';
import { createKafkaClient } from '../source/kafka/kafka-client';
import { KafkaProducerSink } from '../source/kafka/kafka-producer-sink';
import { publishesOnThread, ThreadedProducerSink } from '../source/kafka/producer-thread/threaded-producer-sink';
import type { PublishSink } from '../sinks/publish-sink';
import { KafkaRecordSource } from '../source/kafka/kafka-record-source';
import { ensureTopics } from '../source/kafka/ensure-topics';
import { tpKey, type TopicPartitionKey } from '../source/kafka/topic-partition';
import { buildLearner, type LearnerParts } from './build-learner';
import { deriveSpecs } from './derive-specs';
import type { ServiceEvents } from './service-events';
import {
  adoptKeyStates, captureKeyState, captureServiceState, forgetKey, readServiceState, restoreGlobals, restoreKeys, EVICTED_FILE, KEYS_FILE,
  type ServiceStateParts,
} from './service-state';
import { decodeKeyState, encodeKeyState } from './key-state-codec';
import { ByteReader, ByteWriter } from '../util/binary-io';

/** The manifest meta of a service checkpoint: the offsets it covers and what wrote it. */
export interface ServiceCheckpointMeta {
  /** Per partition, the next offset to consume: every record before it is in the checkpoint's state. */
  readonly offsets: Record<TopicPartitionKey, string>;
  /** Partitions assigned to the writer when it was taken. */
  readonly owned: TopicPartitionKey[];
  readonly instance: string;
  /** The spill file of evicted keys this checkpoint refers to (kept while a retained checkpoint names it). */
  readonly spillFile?: string;
  readonly reason: string;
  readonly engine: string;
  readonly config: ServiceConfig;
}

/** Messages per produce request when several windows' predictions are coalesced (~150 bytes each). */
const MAX_MESSAGES_PER_SEND = 2000;

/** A publication on its way through the sink stage. */
interface Outgoing extends Publication {
  readonly messages: ProducedMessage[];
  /** Runs once the broker acknowledged it. */
  readonly acknowledged: () => void;
  readonly seq: number;
  /** A window's predictions (counted for backpressure), not a dead letter. */
  readonly window: boolean;
}

/** Live counters of a running service (for the progress line, metrics and tests). */
export interface ServiceStatus {
  recordsConsumed: number;
  deadLetters: number;
  stepsTrained: number;
  windows: number;
  predictionsPublished: number;
  /** Exponential moving average of the progressive-validation loss. */
  lossEma: number | undefined;
  k: number;
  relBias: number | undefined;
  logBeta: number | undefined;
  activeKeys: number;
  /** Keys whose state was moved to disk (state.maxKeys), and how often a key came back from there. */
  evictedKeys: number;
  keysRestoredFromDisk: number;
  pendingSteps: number;
  /** Input held back by backpressure: every partition, or some of them (pausedPartitions > 0). */
  paused: boolean;
  /** Assigned partitions paused: all of them (buffer full, sends behind), or those whose keys hold more than their share of untrained steps. */
  pausedPartitions: number;
  assigned: TopicPartitionKey[];
  /** Most messages handed over by one fetch (what can arrive after a pause): pending ≤ maxBufferedRecords + this. */
  largestFetch: number;
  /** New consumers started after kafkajs gave up on a broker error (e.g. no group coordinator just after a broker restart). */
  consumerRestarts: number;
}

/**
 * The streaming service: Kafka records → decode (dead letters out) → key by sequence and pair steps →
 * per-key windows trained as batches of B streams → predictions out. Offsets are committed only for
 * messages whose every step has been trained and whose prediction (or dead letter) the broker has
 * acknowledged. Backpressure pauses the input partitions while too many steps wait to be trained.
 */
export class StreamService {
  readonly status: ServiceStatus;
  private parts!: LearnerParts;
  private readonly tracker = new OffsetTracker();
  private readonly scorer = new AnomalyScorer();
  private readonly keyPartition = new Map<string, TopicPartitionKey>();
  private readonly input$ = new Subject<RawMessage>();
  private subscription: Subscription | undefined;
  private source: KafkaRecordSource | undefined;
  private producer: PublishSink | undefined;
  /** Publications for the sink stage, and how many of their messages the broker has not acknowledged yet. */
  private readonly outbox$ = new Subject<Outgoing>();
  private unackedMessages = 0;
  /** The in-flight bound (pipeline stage and acknowledgement path). */
  private readonly gate: InFlightGate;
  private sink: Subscription | undefined;
  private inFlightSends = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private pipelineDone: Promise<void> = Promise.resolve();
  private stopping = false;
  private fatal: Error | undefined;
  private pairer!: NextStepPairer;
  private checkpoints: InstanceCheckpoints | undefined;
  /** Offsets covered by the newest durable checkpoint (what is committed when checkpoints are on). */
  private checkpointed = new Map<TopicPartitionKey, string>();
  private windowsSinceCheckpoint = 0;
  private lastCheckpointMs = Date.now();
  private checkpointRun: Promise<boolean> | undefined;
  private checkpointDue: NodeJS.Immediate | undefined;
  private skippedInARow = 0;
  /** A send is failing and being retried (broker unreachable): not ready. */
  private sendFailing = false;
  private rollingBack = false;
  /** Publications queued / acknowledged so far (a checkpoint waits for those queued before it). */
  private publishSeq = 0;
  private ackedSeq = 0;
  private ackWaiters: Array<{ seq: number; resolve: () => void; reject: (e: Error) => void }> = [];
  /** Keys evicted from memory (state.maxKeys), on disk. */
  private evicted!: EvictedKeyStore;
  /** Scratch buffer for encoding an evicted key's state (reused: eviction happens once per record at most). */
  private readonly spillWriter = new ByteWriter();
  /** Sizes of the last checkpoint's binary files: the next one's buffers start that large (one allocation each, freed after the write). */
  private readonly checkpointSizes = { keys: 1 << 20, evicted: 1 << 16 };
  /** Keys in memory, least recently used first. */
  private readonly recency = new Map<string, true>();
  /** Assigned partitions whose state is being restored → lowest offset dropped meanwhile. */
  private readonly restoring = new Map<TopicPartitionKey, bigint | undefined>();

  constructor(private readonly config: ServiceConfig, private readonly events: ServiceEvents = {}) {
    this.gate = this.buildGate();
    this.status = {
      recordsConsumed: 0, deadLetters: 0, stepsTrained: 0, windows: 0, predictionsPublished: 0, lossEma: undefined,
      k: config.truncation.k0, relBias: undefined, logBeta: undefined, activeKeys: 0, evictedKeys: 0, keysRestoredFromDisk: 0, pendingSteps: 0, paused: false, pausedPartitions: 0, assigned: [], largestFetch: 0, consumerRestarts: 0,
    };
  }

  get learnerParts(): LearnerParts {
    return this.parts;
  }

  /** True once connected with partitions assigned and state restored; false while stopping. */
  get ready(): boolean {
    return !this.stopping && !this.fatal && (this.source?.connected ?? false) && !this.sendFailing
      && this.status.assigned.length > 0 && this.restoring.size === 0;
  }

  /** Connects, builds the learner and starts consuming. `brokers` overrides config.kafka.brokers (e.g. the embedded broker). */
  async start(brokers: readonly string[] = this.config.kafka.brokers): Promise<void> {
    const c = this.config;
    const specs = deriveSpecs(c);
    this.parts = await buildLearner(c, specs.model);
    this.pairer = new NextStepPairer(specs.decoder.target);
    if (c.checkpoint.dir !== '') {
      this.checkpoints = new InstanceCheckpoints(c.checkpoint.dir, c.checkpoint.instance || hostname(), c.checkpoint.keep);
      const spill = await this.restoreModel();
      this.evicted = new EvictedKeyStore(join(this.instanceDir(), spill.file), spill.bytes);
      await this.removeUnusedSpillFiles();
    } else {
      // Without checkpoints evicted keys still leave memory, to a private file removed at stop.
      this.evicted = new EvictedKeyStore(join(tmpdir(), `tbptt-stream-evicted-${process.pid}-${randomBytes(4).toString('hex')}.log`));
    }
    this.status.k = this.parts.learner.k;
    this.events.log?.('info', `engine ${this.parts.engine.name} (${this.parts.engine.backend}): ${this.parts.engineReason}`);
    const log = (level: 'warn' | 'error', msg: string, extra: Record<string, unknown>): void => this.events.log?.(level, msg, extra);
    const kafka = createKafkaClient({ brokers, clientId: c.kafka.clientId, log });
    this.producer = publishesOnThread(c.output.publishThread) ? new ThreadedProducerSink({ brokers, clientId: c.kafka.clientId, log }) : new KafkaProducerSink(kafka);
    // A broker that is unreachable at start is waited for (with backoff), not fatal; stop() ends the wait.
    await this.untilConnected(async () => {
      if (c.kafka.createTopicsPartitions > 0) {
        const created = await ensureTopics(kafka, [...c.kafka.inputTopics, c.kafka.predictionsTopic, c.kafka.deadLetterTopic], c.kafka.createTopicsPartitions);
        if (created.length > 0) this.events.log?.('info', `created topics ${created.join(', ')}`);
      }
      await this.producer!.connect();
    }, brokers);
    if (this.stopping) return;
    this.source = new KafkaRecordSource({
      kafka, groupId: c.kafka.groupId, topics: c.kafka.inputTopics, fromBeginning: c.kafka.fromBeginning,
      sessionTimeoutMs: c.kafka.sessionTimeoutMs, heartbeatIntervalMs: c.kafka.heartbeatIntervalMs,
    });
    this.sink = this.connectSink();
    this.pipelineDone = this.assemble(createDecoder(specs.decoder), this.pairer);
    this.pipelineDone.catch(() => undefined); // a pipeline error is reported through fail(), not as an unhandled rejection
    await this.source.start({
      onMessages: (messages) => {
        this.lastMessageAt = Date.now();
        this.status.largestFetch = Math.max(this.status.largestFetch, messages.length);
        for (const m of messages) {
          const tp = tpKey(m.topic, m.partition);
          if (this.restoring.has(tp)) {
            // Not ours until its state is restored; re-read after the seek that follows the restore.
            const low = this.restoring.get(tp);
            if (low === undefined || BigInt(m.offset) < low) this.restoring.set(tp, BigInt(m.offset));
          } else if (this.tracker.isNew(m)) {
            this.input$.next(m);
          }
        }
        this.applyBackpressure();
      },
      onAssignment: (assigned, revoked) => this.onAssignment(assigned, revoked),
      onCrash: (e) => this.fail(e),
      onRestart: (e, waitMs) => {
        this.status.consumerRestarts++;
        this.events.error?.('source', e);
        this.events.log?.('warn', `the consumer stopped on a broker error (${e.message}); a new consumer starts in ${waitMs / 1000} s`);
      },
    });
    this.commitTimer = setInterval(() => {
      this.idleFlush();
      if (this.checkpoints) {
        const every = c.checkpoint.everySeconds;
        // Not while updates are being skipped: the newest checkpoint stays one to roll back to.
        if (every > 0 && Date.now() - this.lastCheckpointMs >= every * 1000 && !this.checkpointRun && this.skippedInARow === 0) void this.checkpointNow('time');
      } else {
        void this.commit().catch((e) => this.events.log?.('warn', `commit failed: ${(e as Error).message}`));
        if (spillNeedsCompaction(this.evicted)) {
          const old = this.evicted.path;
          this.evicted.compactInto(join(tmpdir(), `tbptt-stream-evicted-${process.pid}-${randomBytes(4).toString('hex')}.log`));
          rmSync(old, { force: true });
        }
      }
    }, 1000);
  }

  /** Runs `connect` until it succeeds, waiting 1 s, 2 s, 4 s … (at most 30 s) between attempts; returns early once stopping. */
  private async untilConnected(connect: () => Promise<void>, brokers: readonly string[]): Promise<void> {
    for (let attempt = 0, waitMs = 1000; !this.stopping; attempt++, waitMs = Math.min(30_000, waitMs * 2)) {
      try {
        await connect();
        if (attempt > 0) this.events.log?.('info', `connected to ${brokers.join(', ')} after ${attempt} failed attempts`);
        return;
      } catch (e) {
        this.events.error?.('source', e as Error);
        this.events.log?.('warn', `broker ${brokers.join(', ')} unreachable (${(e as Error).message}); retrying in ${waitMs / 1000} s`);
        const until = Date.now() + waitMs;
        while (!this.stopping && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** The pipeline, in data-flow order; resolves when the input completes and every window is trained. */
  private assemble(decoder: ReturnType<typeof createDecoder>, pairer: NextStepPairer): Promise<void> {
    const c = this.config;
    const { learner, controller, spec } = this.parts;
    return new Promise<void>((resolve, reject) => {
      this.subscription = this.input$.pipe(
        tap((m) => { this.status.recordsConsumed++; this.events.consumed?.(m.topic); }),
        decodeMessages(decoder),
        tap((d) => { if (!d.ok) this.deadLetter(d); }),
        filter((d): d is Extract<DecodedMessage, { ok: true }> => d.ok),
        tap((d) => { for (const r of d.records) this.touchKey(r.key, tpKey(d.message.topic, d.message.partition)); }),
        pairSteps(pairer),
        // With checkpoints, commits follow checkpoints: only the consumed position is tracked (an evicted key's
        // untrained steps would otherwise hold its message open indefinitely).
        tap((p) => this.tracker.consumed(p.message, this.checkpoints ? 0 : p.steps.length)),
        eachStep(),
        // With checkpoints, steps still waiting at shutdown are saved and trained after the restart (full windows).
        // Full batches train in the worker (if training.thread=worker) while later records are consumed; a window
        // after which a diagnostic is due trains at once, so that the diagnostic sees what it would without the worker.
        trainWindows(learner, {
          batchStreams: c.training.batchStreams, flushAfterMs: c.training.flushAfterMs, flushOnComplete: !this.checkpoints,
          overlap: (inFlight) => !controller.dueAfterNextWindow(inFlight),
          // Every partition paused, or no record for flushAfterMs: no batch fills up by waiting.
          inputHeld: () => this.source?.paused === true || this.source?.assignment.every((tp) => this.source!.isPartitionPaused(tp)) === true
            || Date.now() - this.lastMessageAt >= c.training.flushAfterMs,
        }),
        tap(() => {
          const before = { history: controller.insufficientHistory, nonFinite: controller.nonFiniteNorms };
          let diagnostic: DiagnosticReport | undefined;
          try {
            diagnostic = controller.afterWindow();
          } catch (e) {
            // A failed diagnostic costs one estimate, not the service.
            this.events.error?.('diagnostic', e as Error);
            this.events.log?.('warn', `diagnostic failed: ${(e as Error).message}`);
          }
          if (diagnostic) this.onDiagnostic(diagnostic);
          else if (controller.insufficientHistory > before.history) this.events.insufficientHistory?.();
          else if (controller.nonFiniteNorms > before.nonFinite) this.events.nonFiniteNorms?.();
        }),
        map((report) => this.onWindow(report, spec.head)),
        this.gate.bound(),
      ).subscribe({ next: () => undefined, error: (e) => { this.fail(e as Error); reject(e); }, complete: () => resolve() });
    });
  }

  /**
   * A record of `key` arrived: bring its state back from disk if it was evicted, mark it most recently used,
   * and evict the least recently used keys beyond state.maxKeys. A key waiting for its window stays. With
   * checkpoints, a key's few untrained steps go to disk with it (the checkpoint covers them; they train when
   * the key comes back); without, only keys with nothing untrained leave, so that commits are not held up.
   */
  private touchKey(key: string, tp: TopicPartitionKey): void {
    if (this.evicted.has(key)) {
      adoptKeyStates(this.stateParts(), [decodeKeyState(new ByteReader(this.evicted.take(key)!, `spill entry of key ${key}`))]);
      this.status.keysRestoredFromDisk++;
    }
    this.keyPartition.set(key, tp);
    this.recency.delete(key);
    this.recency.set(key, true);
    const max = this.config.state.maxKeys;
    if (this.recency.size <= max) return;
    let scanned = 0;
    for (const old of this.recency.keys()) {
      if (this.recency.size <= max || scanned++ >= 256) break;
      const learner = this.parts.learner;
      if (learner.isReady(old) || (!this.checkpoints && learner.waitingSteps(old) > 0)) continue;
      const state = captureKeyState(this.stateParts(), old);
      if (state) {
        this.spillWriter.reset();
        encodeKeyState(state, this.spillWriter);
        this.evicted.put(old, state.partition, this.spillWriter.bytes());
      }
      forgetKey(this.stateParts(), old);
      this.recency.delete(old);
    }
    this.status.evictedKeys = this.evicted.size;
    this.status.activeKeys = this.parts.learner.activeKeys;
  }

  private onWindow(report: WindowReport, head: 'softmax' | 'mse'): void {
    const s = this.status;
    s.windows++;
    s.stepsTrained += report.outcomes.length;
    if (Number.isFinite(report.loss)) s.lossEma = s.lossEma === undefined ? report.loss : 0.98 * s.lossEma + 0.02 * report.loss;
    s.activeKeys = this.parts.learner.activeKeys;
    s.pendingSteps = this.parts.learner.pendingSteps;
    const messages: ProducedMessage[] = report.outcomes.map((o) => predictionMessage(o, head, this.config.output.topK, this.scorer.update(o.key, o.loss)));
    this.publish(this.config.kafka.predictionsTopic, messages, () => {
      s.predictionsPublished += messages.length;
      this.events.published?.(messages.length);
      for (const o of report.outcomes) if (o.source) this.tracker.done(o.source);
    });
    this.events.window?.(report);
    this.skippedInARow = report.skipped ? this.skippedInARow + 1 : 0;
    const limit = this.config.training.rollbackAfterSkips;
    if (limit > 0 && this.skippedInARow >= limit && this.checkpoints && !this.rollingBack) {
      this.rollingBack = true;
      void this.rollback().finally(() => { this.rollingBack = false; });
    }
    const every = this.config.checkpoint.everyWindows;
    if (this.checkpoints && every > 0 && ++this.windowsSinceCheckpoint >= every && !this.checkpointDue) {
      // After the current batch of windows has queued all its predictions (the state then matches the outbox).
      this.checkpointDue = setImmediate(() => {
        this.checkpointDue = undefined;
        if (!this.checkpointRun && !this.stopping && this.skippedInARow === 0) void this.checkpointNow('windows');
      });
    }
  }

  private onDiagnostic(d: DiagnosticReport): void {
    this.status.k = d.k;
    this.status.relBias = d.relBias;
    this.status.logBeta = d.logBeta;
    this.events.diagnostic?.(d);
    if (d.k !== d.previousK) this.events.log?.('info', `truncation K ${d.previousK} → ${d.k} (δ̂ = ${d.relBias.toPrecision(3)}, β̂ = ${Math.exp(d.logBeta).toPrecision(3)})`);
  }

  private deadLetter(d: Extract<DecodedMessage, { ok: false }>): void {
    this.status.deadLetters++;
    this.tracker.consumed(d.message, this.checkpoints ? 0 : 1);
    const dl = toDeadLetter(d.message, d.failure);
    this.events.deadLetter?.(d.failure.reason);
    this.publish(this.config.kafka.deadLetterTopic, [{ key: dl.key, value: dl.value, headers: { ...dl.headers } }], () => this.tracker.done(d.message));
  }

  /**
   * Queues messages for the sink stage ({@link publishBatched}); `acknowledged` runs once the broker has
   * them. A send that fails for good stops the service (nothing is committed past it).
   */
  private publish(topic: string, messages: ProducedMessage[], acknowledged: () => void): void {
    const window = topic === this.config.kafka.predictionsTopic; // backpressure counts windows, not dead letters
    if (window) this.inFlightSends++;
    this.unackedMessages += messages.length;
    this.outbox$.next({ topic, messages, acknowledged, seq: ++this.publishSeq, window });
  }

  /** The sink pipeline: publications → batched sends → acknowledgements. */
  private connectSink(): Subscription {
    const send = async (byTopic: Map<string, ProducedMessage[]>): Promise<void> => {
      try {
        await this.sendWithRetry(byTopic);
      } catch (e) {
        throw new Error(`publishing to ${[...byTopic.keys()].join(', ')} failed: ${(e as Error).message}`);
      }
    };
    return this.outbox$.pipe(publishBatched(send, MAX_MESSAGES_PER_SEND)).subscribe({
      next: (p) => {
        p.acknowledged();
        this.unackedMessages -= p.messages.length;
        if (p.window) this.inFlightSends--;
        this.ackedSeq = p.seq;
        if (this.ackWaiters.length > 0 && this.ackWaiters[0].seq <= p.seq) {
          const due = this.ackWaiters.filter((w) => w.seq <= p.seq);
          this.ackWaiters = this.ackWaiters.filter((w) => w.seq > p.seq);
          for (const w of due) w.resolve();
        }
        this.applyBackpressure(); // resumes input paused only because sends were behind
      },
      error: (e) => this.fail(e as Error),
    });
  }

  /** Resolves once every publication queued up to `seq` is acknowledged by the broker. */
  private acknowledged(seq: number): Promise<void> {
    if (this.ackedSeq >= seq) return Promise.resolve();
    if (this.fatal) return Promise.reject(this.fatal);
    return new Promise((resolve, reject) => {
      this.ackWaiters.push({ seq, resolve, reject });
      this.ackWaiters.sort((a, b) => a.seq - b.seq);
    });
  }

  /** Every publication queued so far is acknowledged (or the service failed). */
  private allSent(): Promise<void> {
    return this.acknowledged(this.publishSeq).catch(() => undefined);
  }

  /**
   * Sends, retrying while the broker is unreachable (backoff 1 s … 30 s; input stays paused because sends are
   * behind). A refusal by the broker itself is final. Once stopping, it gives up after 30 s more.
   */
  private async sendWithRetry(byTopic: Map<string, ProducedMessage[]>): Promise<void> {
    let stopDeadline: number | undefined;
    for (let waitMs = 1000; ; waitMs = Math.min(30_000, waitMs * 2)) {
      try {
        await this.producer!.sendBatch(byTopic);
        this.sendFailing = false;
        return;
      } catch (e) {
        this.sendFailing = true;
        if (this.stopping) stopDeadline ??= Date.now() + 30_000;
        if (!KafkaProducerSink.isRetriable(e) || (stopDeadline !== undefined && Date.now() > stopDeadline)) throw e;
        this.events.error?.('predictions', e as Error);
        this.events.log?.('warn', `publishing failed (${(e as Error).message}); retrying in ${waitMs / 1000} s`);
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }

  /** The in-flight bound, checked from outside the stream (acknowledgements, flushes, fetches). */
  private applyBackpressure(): void {
    this.gate.check();
  }

  private buildGate(): InFlightGate {
    const o = this.config.output;
    return new InFlightGate(
      () => ({ pendingSteps: this.parts.learner.pendingSteps, unackedWindows: this.inFlightSends, unackedMessages: this.unackedMessages }),
      { maxBufferedRecords: o.maxBufferedRecords, maxInFlightWindows: o.maxInFlightWindows },
      () => this.source,
      (paused, load, pausedAlone) => {
        const pausedPartitions = paused ? this.status.assigned.length : pausedAlone;
        this.status.paused = pausedPartitions > 0;
        this.status.pausedPartitions = pausedPartitions;
        this.events.backpressure?.(load.pendingSteps, pausedPartitions);
        const sendsBehind = load.unackedWindows > o.maxInFlightWindows || load.unackedMessages > o.maxBufferedRecords;
        const stalled = (paused && load.pendingSteps > o.maxBufferedRecords / 2) || pausedAlone > 0;
        if (stalled && !sendsBehind && this.parts.learner.readyCount === 0) this.scheduleStallFlush();
      },
      (partition) => this.parts.learner.pendingIn(partition),
    );
  }

  private stallFlush: NodeJS.Immediate | undefined;
  private lastMessageAt = Date.now();

  /** Input quiet for idleFlushMs: train every waiting step (shorter windows), so the lag drains to zero. */
  private idleFlush(): void {
    const idle = this.config.training.idleFlushMs;
    const learner = this.parts.learner;
    if (idle === 0 || this.stopping || this.fatal || Date.now() - this.lastMessageAt < idle) return;
    if (learner.pendingSteps === 0 || learner.readyCount > 0) return;
    try {
      for (const report of learner.flush()) this.onWindow(report, this.parts.spec.head);
      this.applyBackpressure();
    } catch (e) {
      this.fail(e as Error);
    }
  }

  /**
   * Paused with no key holding k1 steps (many keys, few steps each): nothing would ever train. Train the B
   * keys with the most waiting steps in shorter windows, so that memory stays bounded without a deadlock.
   */
  private scheduleStallFlush(): void {
    if (this.stallFlush || this.stopping) return;
    this.stallFlush = setImmediate(() => {
      this.stallFlush = undefined;
      if (this.stopping || this.fatal || this.parts.learner.readyCount > 0) return;
      const learner = this.parts.learner;
      const keys = [...this.keyPartition.keys()]
        .map((key) => ({ key, pending: learner.waitingSteps(key) }))
        .filter((k) => k.pending > 0)
        .sort((a, b) => b.pending - a.pending)
        .slice(0, this.config.training.batchStreams)
        .map((k) => k.key);
      try {
        for (const report of learner.flush(keys)) this.onWindow(report, this.parts.spec.head);
        this.applyBackpressure();
      } catch (e) {
        this.fail(e as Error);
      }
    });
  }

  private async onAssignment(assigned: TopicPartitionKey[], revoked: TopicPartitionKey[]): Promise<void> {
    this.status.assigned = this.source?.assignment ?? [];
    if (this.checkpoints) {
      for (const tp of assigned) this.restoring.set(tp, undefined);
      if (revoked.length > 0) await this.handOver(revoked);
      if (assigned.length > 0) await this.restorePartitions(assigned);
      return;
    }
    if (revoked.length > 0) {
      // Train what the leaving keys hold, publish, commit: the new owner starts after it.
      const gone = new Set(revoked);
      const leaving = [...this.keyPartition].filter(([, tp]) => gone.has(tp)).map(([key]) => key);
      for (const report of this.parts.learner.flush(leaving)) this.onWindow(report, this.parts.spec.head);
      await this.allSent();
      await this.commit(revoked);
      for (const key of leaving) {
        this.parts.learner.forget(key);
        this.scorer.forget(key);
        this.keyPartition.delete(key);
      }
      for (const tp of revoked) this.tracker.forget(tp);
      this.events.log?.('info', `partitions revoked: ${revoked.join(', ')}`);
    }
    if (assigned.length > 0) this.events.log?.('info', `partitions assigned: ${assigned.join(', ')}`);
  }

  /** Revoked partitions (checkpoints on): save their keys' state durably, commit, then let the keys go. */
  private async handOver(revoked: TopicPartitionKey[]): Promise<void> {
    await this.checkpointNow('revocation', revoked);
    const gone = new Set(revoked);
    for (const [key, tp] of [...this.keyPartition]) {
      if (!gone.has(tp)) continue;
      forgetKey(this.stateParts(), key);
      this.recency.delete(key);
    }
    this.evicted.release(gone);
    this.status.evictedKeys = this.evicted.size;
    for (const tp of revoked) {
      this.tracker.forget(tp);
      this.checkpointed.delete(tp);
    }
    this.events.log?.('info', `partitions revoked: ${revoked.join(', ')} (state saved for their next owner)`);
  }

  /**
   * Newly assigned partitions (checkpoints on): take each one's keys from the instance checkpoint that has
   * consumed it furthest (this instance's own after a restart, the previous owner's after a rebalance), then
   * seek the partition there. Records fetched meanwhile were set aside and are read again after the seek.
   */
  private async restorePartitions(assigned: TopicPartitionKey[]): Promise<void> {
    try {
      const all = await this.releasedState(assigned);
      const chosen = new Map<InstanceCheckpoint, Set<TopicPartitionKey>>();
      for (const tp of assigned) {
        let best: InstanceCheckpoint | undefined;
        for (const ck of all) {
          const o = (ck.checkpoint.manifest.meta as ServiceCheckpointMeta).offsets?.[tp];
          const b = best && (best.checkpoint.manifest.meta as ServiceCheckpointMeta).offsets[tp];
          if (o !== undefined && (b === undefined || BigInt(o) > BigInt(b))) best = ck;
        }
        if (best) {
          if (!chosen.has(best)) chosen.set(best, new Set());
          chosen.get(best)!.add(tp);
        }
      }
      const seekTo = new Map<TopicPartitionKey, string>();
      for (const [ck, tps] of chosen) {
        const meta = ck.checkpoint.manifest.meta as ServiceCheckpointMeta;
        const state = readServiceState(ck.checkpoint.files, this.stateParts(), ck.checkpoint.dir);
        const keys = restoreKeys(state, this.stateParts(), tps);
        const restored = new Set(state.data.keys.filter((k) => tps.has(k.partition)).map((k) => k.key));
        for (const key of [...(state.data.recency ?? []), ...restored]) {
          if (!restored.has(key)) continue;
          this.recency.delete(key);
          this.recency.set(key, true);
        }
        const own = ck.instance === this.checkpoints!.instance;
        this.evicted.adopt((state.data.evicted?.entries ?? []).filter((e) => tps.has(e[3])),
          own ? undefined : join(this.checkpoints!.root, 'instances', ck.instance, state.data.evicted?.file ?? 'evicted-1.log'));
        this.status.evictedKeys = this.evicted.size;
        for (const tp of tps) {
          this.tracker.restore(tp, meta.offsets[tp]);
          this.checkpointed.set(tp, meta.offsets[tp]);
          seekTo.set(tp, meta.offsets[tp]);
        }
        this.events.log?.('info', `restored ${keys} keys of ${[...tps].join(', ')} from ${ck.checkpoint.dir}`);
      }
      for (const tp of assigned) {
        const dropped = this.restoring.get(tp);
        const target = seekTo.get(tp) ?? dropped?.toString();
        if (target !== undefined && this.source?.assignment.includes(tp)) this.source.seek(tp, target);
        this.restoring.delete(tp);
      }
      this.status.activeKeys = this.parts.learner.activeKeys;
      this.lastMessageAt = Date.now(); // the idle flush counts from here, not from the wait for the assignment
      this.events.log?.('info', `partitions assigned: ${assigned.join(', ')}`);
      void this.checkpointNow('assignment'); // records what this instance owns now (later owners wait for its release)
    } catch (e) {
      this.fail(new Error(`restoring the state of ${assigned.join(', ')} failed: ${(e as Error).message}`));
    }
  }

  /**
   * The newest checkpoint of every instance, once no other instance's newest one still claims any of
   * `assigned` (after a rebalance the previous owner saves their state when it sees the revocation, which can
   * come a moment after this assignment). An owner that never releases (it crashed) is waited for at most
   * kafka.sessionTimeoutMs; its newest checkpoint is then used.
   */
  private async releasedState(assigned: readonly TopicPartitionKey[]): Promise<InstanceCheckpoint[]> {
    const store = this.checkpoints!;
    const read = () => store.latestOfAll((dir, reason) => this.events.log?.('warn', `skipped checkpoint ${dir}: ${reason}`));
    const claimed = (all: InstanceCheckpoint[]) => all.some((ck) => ck.instance !== store.instance
      && ((ck.checkpoint.manifest.meta as ServiceCheckpointMeta).owned ?? []).some((tp) => assigned.includes(tp)));
    const deadline = Date.now() + this.config.kafka.sessionTimeoutMs;
    let all = await read();
    while (claimed(all) && Date.now() < deadline && !this.stopping) {
      await new Promise((r) => setTimeout(r, 250));
      all = await read();
    }
    if (claimed(all)) this.events.log?.('warn', `another instance still claims some of ${assigned.join(', ')}; using its newest checkpoint`);
    return all;
  }

  private stateParts(): ServiceStateParts {
    return { learner: this.parts, pairer: this.pairer, scorer: this.scorer, keyPartition: this.keyPartition };
  }

  /** At start (checkpoints on): the model-wide state from this instance's newest valid checkpoint, else the newest of any. */
  private instanceDir(): string {
    return join(this.checkpoints!.root, 'instances', this.checkpoints!.instance);
  }

  /** Removes spill files that neither the current store nor any retained checkpoint refers to. */
  private async removeUnusedSpillFiles(): Promise<void> {
    const used = new Set([basename(this.evicted.path)]);
    for (const m of await this.checkpoints!.own.manifests()) {
      const f = (m.meta as ServiceCheckpointMeta | undefined)?.spillFile;
      if (f) used.add(f);
    }
    for (const name of readdirSync(this.instanceDir())) {
      if (/^evicted-\d+\.log$/.test(name) && !used.has(name)) rmSync(join(this.instanceDir(), name), { force: true });
    }
  }

  /**
   * Spill file past half waste and 64 MB: its live entries move to the next file; the old one goes once no
   * retained checkpoint names it.
   */
  private async compactSpill(): Promise<void> {
    const e = this.evicted;
    if (!spillNeedsCompaction(e)) return;
    const gen = Number(/evicted-(\d+)\.log$/.exec(e.path)?.[1] ?? '0') + 1;
    e.compactInto(join(this.instanceDir(), `evicted-${gen}.log`));
    this.events.log?.('info', `spill file of evicted keys compacted into ${e.path}`);
  }

  private async restoreModel(): Promise<{ file: string; bytes: number }> {
    const all = await this.checkpoints!.latestOfAll((dir, reason) => this.events.log?.('warn', `skipped checkpoint ${dir}: ${reason}`));
    const own = all.find((c) => c.instance === this.checkpoints!.instance);
    const pick = own ?? [...all].sort((a, b) => b.checkpoint.manifest.createdAt.localeCompare(a.checkpoint.manifest.createdAt))[0];
    if (!pick) {
      this.events.log?.('info', `no checkpoint in ${this.checkpoints!.root}: starting from a fresh model`);
      return { file: 'evicted-1.log', bytes: 0 };
    }
    const state = readServiceState(pick.checkpoint.files, this.stateParts(), pick.checkpoint.dir);
    restoreGlobals(state, this.stateParts(), pick.checkpoint.dir);
    this.events.log?.('info', `restored the model from ${pick.checkpoint.dir} (K = ${this.parts.learner.k}, ${this.parts.learner.windows} windows trained)`);
    const spill = own ? state.data.evicted : undefined;
    return spill?.file ? { file: spill.file, bytes: spill.bytes } : { file: 'evicted-1.log', bytes: 0 };
  }

  /**
   * Repeated skipped updates (non-finite or exploding): the model-wide state (parameters, optimizer,
   * estimator, schedule, RNG) goes back to this instance's newest valid checkpoint, and stored hidden states
   * that are no longer finite restart from zero. Keys keep their histories; the stream goes on.
   */
  private async rollback(): Promise<void> {
    const skipped = this.skippedInARow;
    const latest = await this.checkpoints!.own.latest((dir, reason) => this.events.log?.('warn', `skipped checkpoint ${dir}: ${reason}`));
    if (!latest) {
      this.events.log?.('warn', `${skipped} updates skipped in a row, but there is no checkpoint to roll back to yet`);
      return;
    }
    restoreGlobals(readServiceState(latest.files, this.stateParts(), latest.dir), this.stateParts(), latest.dir);
    const reset = this.parts.learner.resetNonFiniteStates();
    this.skippedInARow = 0;
    this.status.k = this.parts.learner.k;
    this.events.rolledBack?.(latest.dir);
    this.events.log?.('warn', `${skipped} updates skipped in a row: rolled the model back to ${latest.dir}; ${reset} non-finite hidden states reset to zero`);
  }

  /**
   * Writes a checkpoint of the whole state (captured now, between windows), once every prediction and dead
   * letter queued before it is acknowledged; then commits the offsets it covers (`also`: partitions being
   * revoked). A failed write is reported and counted; training goes on and nothing is committed past the
   * previous checkpoint. Returns whether a checkpoint became durable.
   */
  async checkpointNow(reason: string, also: readonly TopicPartitionKey[] = []): Promise<boolean> {
    const store = this.checkpoints;
    if (!store || !this.parts) return false;
    while (this.checkpointRun) await this.checkpointRun;
    const run = this.writeCheckpoint(store, reason, also);
    this.checkpointRun = run;
    try {
      return await run;
    } finally {
      if (this.checkpointRun === run) this.checkpointRun = undefined;
    }
  }

  private async writeCheckpoint(store: InstanceCheckpoints, reason: string, also: readonly TopicPartitionKey[]): Promise<boolean> {
    const started = performance.now();
    this.parts.learner.settle(); // windows in flight are part of this checkpoint, their predictions queued before it
    // A periodic checkpoint is not taken while updates are being skipped (windows just applied may say so).
    if ((reason === 'windows' || reason === 'time') && this.skippedInARow > 0) return false;
    const sizes = this.checkpointSizes;
    const writers = { keys: new ByteWriter(Math.ceil(sizes.keys * 1.05) + 4096), evicted: new ByteWriter(Math.ceil(sizes.evicted * 1.05) + 4096) };
    const files = captureServiceState(this.stateParts(), { recency: [...this.recency.keys()], evicted: this.evicted.snapshot() }, writers);
    sizes.keys = files.get(KEYS_FILE)?.length ?? sizes.keys;
    sizes.evicted = files.get(EVICTED_FILE)?.length ?? sizes.evicted;
    const offsets = this.tracker.consumedUpTo();
    const meta: ServiceCheckpointMeta = {
      // At shutdown this instance releases everything; at revocation the assignment is already the new one.
      offsets: Object.fromEntries(offsets), owned: reason === 'shutdown' ? [] : this.source?.assignment ?? [], instance: store.instance, reason,
      engine: this.parts.engine.name, config: this.config, spillFile: basename(this.evicted.path),
    };
    const seq = this.publishSeq;
    this.windowsSinceCheckpoint = 0;
    this.lastCheckpointMs = Date.now();
    try {
      await this.acknowledged(seq);
      await this.evicted.sync(); // the spill entries the checkpoint refers to are durable before it is
      const written = await store.own.write(files, meta);
      for (const [tp, o] of offsets) this.checkpointed.set(tp, o);
      await this.compactSpill();
      await this.removeUnusedSpillFiles();
      let bytes = 0;
      for (const f of files.values()) bytes += f.length;
      this.events.checkpointed?.({ dir: written.dir, reason, bytes, seconds: (performance.now() - started) / 1000 });
    } catch (e) {
      const err = e as Error;
      this.events.error?.('checkpoint', err);
      this.events.checkpointFailed?.(err);
      this.events.log?.('error', `${err.message}; training continues, offsets are committed again once a checkpoint succeeds`);
      return false;
    }
    await this.commit(also).catch((e) => this.events.log?.('warn', `commit after checkpoint failed: ${(e as Error).message}`));
    return true;
  }

  /**
   * Commits per partition: with checkpoints, the offsets the newest durable checkpoint covers; without, the
   * first offset whose work is not fully done (`also`: partitions just revoked).
   */
  async commit(also: readonly TopicPartitionKey[] = []): Promise<void> {
    if (!this.source) return;
    const offsets = this.checkpoints ? new Map(this.checkpointed) : this.tracker.committable();
    const mine = new Set([...this.source.assignment, ...also]);
    for (const k of offsets.keys()) if (!mine.has(k)) offsets.delete(k);
    await this.source.commit(offsets);
    this.events.committed?.(offsets);
  }

  /** Per-partition lag: high watermark − committable offset. */
  async lag(): Promise<Map<TopicPartitionKey, number>> {
    const out = new Map<TopicPartitionKey, number>();
    if (!this.source) return out;
    const high = await this.source.highWatermarks();
    const done = this.checkpoints ? this.checkpointed : this.tracker.committable();
    for (const tp of this.source.assignment) {
      const h = high.get(tp);
      if (h !== undefined) out.set(tp, Math.max(0, Number(BigInt(h) - BigInt(done.get(tp) ?? '0'))));
    }
    return out;
  }

  /** Graceful stop: no more input, train what is ready, publish, commit, disconnect. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.commitTimer) clearInterval(this.commitTimer);
    if (this.stallFlush) clearImmediate(this.stallFlush);
    if (this.checkpointDue) clearImmediate(this.checkpointDue);
    this.source?.pause();
    this.input$.complete();
    await this.pipelineDone.catch(() => undefined);
    await this.allSent();
    if (this.checkpoints && !this.fatal && this.source) await this.checkpointNow('shutdown');
    else await this.commit().catch((e) => this.events.log?.('warn', `final commit failed: ${(e as Error).message}`));
    await this.source?.stop();
    await this.producer?.disconnect();
    this.subscription?.unsubscribe();
    this.sink?.unsubscribe();
    if (this.evicted) {
      this.evicted.close();
      if (!this.checkpoints) rmSync(this.evicted.path, { force: true });
    }
    this.parts?.engine.dispose();
  }

  /** Resolves when the service fails for good (the caller decides to exit). */
  private fail(e: Error): void {
    if (this.fatal) return;
    this.fatal = e;
    for (const w of this.ackWaiters.splice(0)) w.reject(e);
    this.events.log?.('error', `fatal: ${e.message}`);
    this.events.fatal?.(e);
  }
}

/** Half or more of the spill file is space of taken entries, and at least 64 MB of it. */
function spillNeedsCompaction(e: EvictedKeyStore): boolean {
  return e.wasted >= 64 * 1024 * 1024 && e.wasted * 2 >= e.bytes;
}
