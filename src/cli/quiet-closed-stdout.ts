/**
 * When whoever reads a client command's output goes away early (`rxds services | head -1`, an Envoy that
 * exits while `rxds bootstrap envoy` is still writing), the next write to stdout fails with EPIPE. Unix tools
 * stop quietly then; without a listener Node reports it as an unhandled 'error' event with a stack trace.
 * This ends the process with exit code 0 instead: the output was not wanted any more. Other stdout errors
 * are rethrown. Installed once per stream.
 */
export function quietOnClosedStdout(stdout: NodeJS.WriteStream = process.stdout, exit: (code: number) => void = (c) => process.exit(c)): void {
  if (guarded.has(stdout)) return;
  guarded.add(stdout);
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') exit(0);
    else throw err;
  });
}

const guarded = new WeakSet<NodeJS.WriteStream>();
