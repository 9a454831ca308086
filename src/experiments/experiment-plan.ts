import type { EngineName } from '../learner/engines/engine';
import type { ExperimentMethod } from './experiment-method';
import type { ExperimentData } from './run-trial';
import type { TrialConfig } from './trial-config';

/** The paper's published numbers for one method (method.md section 4), for the report. */
export interface PaperResult {
  readonly valid: number;
  readonly test: number;
}

/** A complete experiment: data, training setup, methods × seeds, and what the report says about it. */
export interface ExperimentPlan {
  /** Short name used in the output directory ("copy", "copy-variable", "text"). */
  readonly name: string;
  readonly title: string;
  /** Profile name ("quick", "default") and the lines describing it (sizes, epochs, departures from the paper). */
  readonly profile: string;
  readonly profileNotes: readonly string[];
  readonly config: TrialConfig;
  readonly data: ExperimentData;
  readonly methods: readonly ExperimentMethod[];
  /** Method labels in the order the runs are made (default: `methods` order), so a partial run is informative. */
  readonly runOrder?: readonly string[];
  readonly seeds: readonly number[];
  /** Paper numbers by method label, when the paper has them. */
  readonly paper?: ReadonlyMap<string, PaperResult>;
  /** Engine to use ('auto' picks by model size). */
  readonly engine: EngineName | 'auto';
}
