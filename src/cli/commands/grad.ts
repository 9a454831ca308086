import { EXIT_BAD_INPUT, readAll, type Command, type CommandIO } from '../command';
import type { Engine, EngineName } from '../../learner/engines/engine';
import { loadEngine } from '../../learner/engines/load-engine';
import { GradRequestError, parseGradRequest } from '../../learner/model/decode-grad-request';
import { paramShapes } from '../../learner/model/param-set';

/** How the grad command obtains engines (injectable for tests). */
export interface EngineLoader {
  /** Rejects when the engine cannot be loaded here (the reason is shown to the user). */
  loadEngine(name: EngineName | 'auto'): Promise<Engine>;
}

/** The output of `tbptt-stream grad` (issue 2, deliverable 8). */
export interface GradResponse {
  /** Mean over the loss steps of each step's batch-mean loss (PyTorch's mean reduction). */
  readonly loss: number;
  /** Gradient of `loss` by PyTorch parameter name, flat row-major, in canonical order. */
  readonly grads: Record<string, number[]>;
  /** lagNorms[j][b], [T][B]: norm of stream b's gradient of the last step's batch-mean loss w.r.t. the state entering step T−1−j. */
  readonly lagNorms: number[][];
  /** cumNorms[j], [T]: exact cumulative norm ‖Σ_{i≤j} mean_b g_i[b]‖. */
  readonly cumNorms: number[];
}

/**
 * `tbptt-stream grad`: reads one JSON request on stdin (see decode-grad-request.ts), runs one training
 * window (losses on the last `lossSteps` steps, from the given detached state) and the diagnostic pass,
 * and prints `{"loss", "grads", "lagNorms", "cumNorms"}` as one JSON line. Bad input exits with code 2
 * and a message naming the field. The engine used is reported on stderr.
 */
export function createGradCommand(engines: EngineLoader = { loadEngine }): Command {
  return {
    name: 'grad',
    summary: 'gradients, loss and per-lag state-gradient norms of one window (JSON on stdin, JSON on stdout)',
    async run(args: readonly string[], io: CommandIO): Promise<number> {
      if (args.length > 0) {
        io.stderr.write(`grad: takes no arguments (got ${args.join(' ')}); it reads one JSON request on stdin\n`);
        return EXIT_BAD_INPUT;
      }
      let request;
      try {
        request = parseGradRequest(await readAll(io.stdin));
      } catch (e) {
        if (!(e instanceof GradRequestError)) throw e;
        io.stderr.write(`grad: ${e.message}\n`);
        return EXIT_BAD_INPUT;
      }
      let engine: Engine;
      try {
        engine = await engines.loadEngine(request.engine);
      } catch (e) {
        // A named engine that does not load here is a bad request; with "auto" it is a broken install.
        if (request.engine === 'auto') throw e;
        io.stderr.write(`grad: engine: "${request.engine}" is not available here (${(e as Error).message})\n`);
        return EXIT_BAD_INPUT;
      }
      try {
        io.stderr.write(`grad: engine ${engine.name} (${engine.backend})\n`);
        const { spec, params, window, initial, lossFrom } = request;
        const train = engine.trainWindow(spec, params, window, initial, { lossFrom });
        const lags = engine.diagnose(spec, params, window, initial);
        const grads: Record<string, number[]> = {};
        for (const [name] of paramShapes(spec)) {
          const g = train.grads.tensors.get(name);
          if (!g) throw new Error(`engine ${engine.name} returned no gradient for ${name}`);
          grads[name] = Array.from(g.data, shortestFloat32);
        }
        const response: GradResponse = {
          loss: train.loss,
          grads,
          lagNorms: lags.lagNorms.map((row) => Array.from(row)),
          cumNorms: Array.from(lags.cumExact),
        };
        io.stdout.write(JSON.stringify(response) + '\n');
        return 0;
      } finally {
        engine.dispose();
      }
    },
  };
}

/** The registered grad command. */
export const gradCommand: Command = createGradCommand();

/**
 * The float32 value `x` as the double with the fewest significant digits that rounds back to it, so
 * that JSON prints "0.1" rather than "0.10000000149011612".
 */
function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  for (let digits = 6; digits < 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === x) return y;
  }
  return Number(x.toPrecision(9));
}
