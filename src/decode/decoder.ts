import type { DecodedRecord, DecodeFailure } from '../domain/decoded-record';
import type { RawMessage } from '../domain/raw-message';
import type { Result } from '../domain/result';

/**
 * Decodes one message into its records (one for json and csv, one per token for text, in order), or a
 * failure with a reason code and a detail naming the field. Never throws for any message content; a message
 * is accepted whole or not at all (nothing partial reaches the learner).
 */
export type Decoder = (message: RawMessage) => Result<DecodedRecord[], DecodeFailure>;
