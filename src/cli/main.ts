/** The `rxds` command line. Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`rxds: not implemented yet (${argv.slice(2).join(' ')})\n`);
  return 1;
}
