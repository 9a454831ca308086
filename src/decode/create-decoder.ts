import { csvDecoder } from './decode-csv';
import { jsonDecoder } from './decode-json';
import { textDecoder } from './decode-text';
import type { Decoder } from './decoder';
import { validateDecoderSpec, type DecoderSpec } from './decoder-spec';

/**
 * The decoder for a spec's format, after validating the spec.
 * @throws RangeError when the spec is inconsistent (a configuration error, reported at startup).
 */
export function createDecoder(spec: DecoderSpec): Decoder {
  validateDecoderSpec(spec);
  switch (spec.format) {
    case 'json': return jsonDecoder(spec);
    case 'text': return textDecoder(spec);
    case 'csv': return csvDecoder(spec);
  }
}
