import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory holding the given files (name → text); returns its path. */
export function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'tbptt-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
