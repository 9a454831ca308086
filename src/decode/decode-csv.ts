import type { DecodedRecord, DecodeFailure } from '../domain/decoded-record';
import type { RawMessage } from '../domain/raw-message';
import { ok, type Result } from '../domain/result';
import { decodeFailure, preview } from './decode-failure';
import type { Decoder } from './decoder';
import type { DecoderSpec } from './decoder-spec';
import { keyFromMessage } from './message-key';
import { messageValue } from './message-value';
import { isNonFiniteName } from './non-finite-name';
import { decodeUtf8 } from './utf8';

/** A decimal number: optional sign, digits with an optional fraction, optional exponent (no hex, no "1_0"). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * The decoder of CSV lines of numbers. Layout of one line (an optional trailing "\n" or "\r\n"; spaces
 * around a number are allowed; no quoting, no header):
 * - next-step targets: `x_0, …, x_{inputSize−1}`;
 * - explicit targets, mse head: `x_0, …, x_{inputSize−1}, y_0, …, y_{outputSize−1}`;
 * - explicit targets, softmax head: `x_0, …, x_{inputSize−1}, class` (an integer in [0, outputSize)).
 * Failures: `malformed-csv` (more than one line, an empty column), `wrong-dimension` (column count),
 * `non-finite` (NaN, inf, numbers outside float32), `wrong-type` (not a decimal number, fractional class),
 * `unknown-class`. The key is the message key.
 */
export function csvDecoder(spec: DecoderSpec): Decoder {
  const xColumns = spec.inputSize;
  const yColumns = spec.target === 'explicit' ? (spec.head === 'softmax' ? 1 : spec.outputSize) : 0;
  const columns = xColumns + yColumns;
  const layout = yColumns === 0 ? `${xColumns} x` : `${xColumns} x + ${yColumns} ${spec.head === 'softmax' ? 'class' : 'y'}`;

  return (message: RawMessage): Result<DecodedRecord[], DecodeFailure> => {
    const value = messageValue(message.value, spec.maxMessageBytes);
    if (!value.ok) return value;
    const k = keyFromMessage(message.key, spec.maxMessageBytes);
    if (!k.ok) return k;
    const text = decodeUtf8(value.value, 'the message value');
    if (!text.ok) return text;

    // --- one line
    let line = text.value;
    if (line.endsWith('\r\n')) line = line.slice(0, -2);
    else if (line.endsWith('\n')) line = line.slice(0, -1);
    if (line.includes('\n') || line.includes('\r')) return decodeFailure('malformed-csv', 'the value holds more than one line; send one CSV line per message');
    if (line.trim() === '') return decodeFailure('empty-value', 'the CSV line is blank');

    // --- columns: count commas before splitting (a hostile line of commas costs no allocation)
    let found = 1;
    for (let i = line.indexOf(','); i >= 0; i = line.indexOf(',', i + 1)) found++;
    if (found !== columns) return decodeFailure('wrong-dimension', `the line has ${found} columns, expected ${columns} (${layout})`);
    const fields = line.split(',');
    const numbers = new Float64Array(columns);
    for (let c = 0; c < columns; c++) {
      const name = c < xColumns ? `column ${c + 1} (x[${c}])` : `column ${c + 1} (${yColumns === 1 && spec.head === 'softmax' ? 'class' : `y[${c - xColumns}]`})`;
      const field = fields[c].trim();
      if (field === '') return decodeFailure('malformed-csv', `${name} is empty`);
      if (isNonFiniteName(field)) return decodeFailure('non-finite', `${name} is ${preview(field)}, expected a finite number`);
      if (!DECIMAL.test(field)) return decodeFailure('wrong-type', `${name} is ${preview(field)}, not a decimal number`);
      numbers[c] = Number(field);
      if (!Number.isFinite(Math.fround(numbers[c]))) return decodeFailure('non-finite', `${name} = ${preview(field)} is outside the float32 range (|v| < 3.4e38)`);
    }

    const source = { topic: message.topic, partition: message.partition, offset: message.offset };
    const x = Float32Array.from(numbers.subarray(0, xColumns));
    if (yColumns === 0) return ok([{ key: k.value, x, source }]);
    if (spec.head === 'mse') return ok([{ key: k.value, x, y: Float32Array.from(numbers.subarray(xColumns)), source }]);
    const cls = numbers[xColumns];
    if (!Number.isInteger(cls)) return decodeFailure('wrong-type', `column ${columns} (class) = ${cls} is not an integer class id`);
    if (cls < 0 || cls >= spec.outputSize) return decodeFailure('unknown-class', `column ${columns} (class) = ${cls} is outside [0, ${spec.outputSize})`);
    return ok([{ key: k.value, x, y: cls === 0 ? 0 : cls, source }]); // -0 → 0
  };
}
