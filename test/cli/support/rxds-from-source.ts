// The `rxds` command line run from the TypeScript sources (what bin/rxds.js does with dist/), so a child
// process can exercise src/cli without a build.
import { main } from '../../../src/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`rxds: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
