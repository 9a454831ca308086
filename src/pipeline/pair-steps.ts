import { map, Observable, type OperatorFunction } from 'rxjs';
import type { RawMessage } from '../domain/raw-message';
import type { SequenceStep } from '../domain/sequence-step';
import type { DecodedRecord } from '../domain/decoded-record';
import type { NextStepPairer } from '../decode/next-step-pairer';

/** A decoded message with the training steps it completed (none for a key's first next-step record). */
export interface PairedMessage {
  readonly message: RawMessage;
  readonly steps: SequenceStep[];
}

/** Keys records by sequence and turns them into steps: next-step pairing, or explicit targets as they are. */
export function pairSteps(pairer: NextStepPairer): OperatorFunction<{ message: RawMessage; records: DecodedRecord[] }, PairedMessage> {
  return map(({ message, records }) => ({ message, steps: pairer.pushAll(records) }));
}

/**
 * The steps of each paired message, one by one in order. The same as concatMap((p) => from(p.steps)),
 * without an inner subscription per message (this runs for every record).
 */
export function eachStep(): OperatorFunction<PairedMessage, SequenceStep> {
  return (source) => new Observable<SequenceStep>((subscriber) => source.subscribe({
    next: (p) => {
      for (const step of p.steps) subscriber.next(step);
    },
    error: (e) => subscriber.error(e),
    complete: () => subscriber.complete(),
  }));
}
