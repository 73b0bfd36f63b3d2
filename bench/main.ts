// `npm run bench`: runs every bench/*.bench.ts (or those whose name contains an argument) and prints its figures.
// A bench file exports `name` and `run(): Promise<Record<string, number | string>>`; figures are printed as a table.
// `npm run bench` compiles src and bench with tsc (tsconfig.bench.json) and runs the JavaScript, so the figures
// are those of the code `rxds serve` runs: under tsx every closure also gets esbuild's `keepNames` wrapper,
// which cost the Consul API about 1.4 KB per parked blocking query. `node --import tsx bench/main.ts` still works.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

interface Bench {
  name: string;
  run(): Promise<Record<string, number | string>>;
}

const dir = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(`.bench${ext}`))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as Bench;
  process.stdout.write(`\n## ${mod.name} (${file})\n`);
  try {
    const figures = await mod.run();
    for (const [k, v] of Object.entries(figures)) {
      process.stdout.write(`  ${k.padEnd(56)} ${typeof v === 'number' ? formatNumber(v) : v}\n`);
    }
  } catch (err) {
    failed = true;
    process.stdout.write(`  FAILED: ${(err as Error).stack ?? String(err)}\n`);
  }
}
process.exit(failed ? 1 : 0);

function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}
