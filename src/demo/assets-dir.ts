import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The package's `assets/` folder (the demo datasets: assets/nab, assets/text), found from this module's
 * location — src/demo/ when run from source, dist/src/demo/ when built, or inside node_modules when
 * installed — never from the working directory.
 * @throws Error when no `assets/` folder with a README.md is found above this module.
 */
export function assetsDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'assets');
    if (existsSync(join(candidate, 'README.md')) && existsSync(join(dir, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`the package's assets/ folder was not found above ${__dirname}; reinstall tbptt-stream`);
    dir = up;
  }
}
