/**
 * Splits a text into `parts` contiguous pieces of about equal length, cut at line ends, each piece a list
 * of lines that keep their "\n" (so the newline is a token the model learns). Used for the text sample and
 * for FILE datasets; parts beyond the number of lines are left out.
 */
export function splitLines(text: string, parts: number): string[][] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const total = lines.reduce((n, l) => n + l.length, 0);
  const out: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    current.push(line);
    size += line.length;
    if (out.length < parts - 1 && size >= ((out.length + 1) * total) / parts) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}
