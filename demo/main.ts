// `npm run demo`: rxds (the built binary), two versions of a `backend` gRPC service and a proxyless gRPC
// `frontend` calling xds:///backend, and the operator's story told live: v1, a 90/10 canary, 50/50, an
// instance going away, failover and recovery. Each step counts a window of RPCs and checks the split.
//
//   npm run demo               pauses between steps and prints the traffic every second
//   npm run demo -- --ci       no pauses, at most 60 s; exit 0 only if every step behaved, 1 naming the step
//   --window N                 RPCs counted per step (default 400)
import { startBackend, type BackendInstance } from './backend.js';
import { startFrontend, type Frontend } from './frontend.js';
import { Operator } from './operator.js';
import { startRxds, type RxdsServer } from './rxds-server.js';
import { STORY, type Step, type StoryContext } from './story.js';
import { Tally, countNext, type ExpectedSplit } from './tally.js';

const FRONTEND_NODE = 'frontend-1';
const CI_BUDGET_MS = 55_000;

interface Options {
  readonly ci: boolean;
  readonly window: number;
}

function parseArgs(argv: readonly string[]): Options {
  let ci = false;
  let window = 400;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--ci') ci = true;
    else if (a === '--window' && /^\d+$/.test(argv[i + 1] ?? '') && Number(argv[i + 1]) >= 50) window = Number(argv[++i]);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run demo [-- --ci] [--window N (>= 50)]');
      process.exit(0);
    } else {
      console.error(`demo: unknown argument ${JSON.stringify(a)} (try --help)`);
      process.exit(2);
    }
  }
  return { ci, window };
}

class StepFailed extends Error {}

const say = (line: string) => console.log(line);
const indent = (line: string) => say(`    ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describeSplit = (e: ExpectedSplit, tol: number) =>
  Object.entries(e).map(([v, p]) => `${v} ${p}%`).join(' / ') + (tol ? ` ±${tol}` : '');

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const backends = new Map<string, BackendInstance>();
  let server: RxdsServer | undefined;
  let frontend: Frontend | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let current = 'starting rxds';
  let interrupted = false;

  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      if (ticker) clearInterval(ticker);
      await frontend?.stop();
      await Promise.all([...backends.values()].map((b) => b.stop()));
      await server?.stop();
    })());
  process.once('exit', () => server?.killNow());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      interrupted = true;
      say(`\n${sig}: stopping the frontend, the backends and rxds`);
      void cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143));
    });
  }

  const story = async () => {
    say('rxds demo: a frontend calls xds:///backend through proxyless gRPC; the operator changes the mesh through the HTTP API.');
    server = await startRxds({ onWarning: (l) => cleaning || say(`    rxds warns: ${l}`) });
    say(`rxds serve is up: HTTP API ${server.httpUrl}, xDS ${server.grpcAddr}, data dir ${server.dataDir}`);
    const rxds = server;
    const op = new Operator(rxds.httpUrl, indent);
    const ctx: StoryContext = {
      op,
      say: indent,
      async startBackend(id, version) {
        const b = await startBackend(id, version);
        backends.set(id, b);
        return b;
      },
      backend: (id) => backends.get(id) ?? assertNever(`no backend ${id}`),
      async startFrontend() {
        indent(`$ rxds bootstrap grpc --node-id ${FRONTEND_NODE} --grpc-addr ${rxds.grpcAddr}   # -> GRPC_XDS_BOOTSTRAP_CONFIG`);
        const bootstrap = await rxds.run(['bootstrap', 'grpc', '--node-id', FRONTEND_NODE, '--grpc-addr', rxds.grpcAddr]);
        // Unattended: as fast as it goes. For a human: about 400 RPCs a second, easier on the machine.
        frontend = await startFrontend('xds:///backend', bootstrap, { concurrency: 8, pauseMs: opts.ci ? 0 : 20 });
        indent(`(frontend started: 8 RPCs in flight to xds:///backend, node id ${FRONTEND_NODE})`);
        if (!opts.ci) ticker = startTicker(frontend);
      },
    };
    for (const [i, step] of STORY.entries()) {
      current = `step ${i + 1}/${STORY.length} (${step.title})`;
      await runStep(step, i, ctx, op, () => frontend, opts);
      if (!opts.ci) await sleep(3000);
    }
  };

  try {
    const budget = opts.ci
      ? new Promise<never>((_, reject) => setTimeout(() => reject(new StepFailed(`${current} did not finish within the ${CI_BUDGET_MS / 1000} s budget of --ci`)), CI_BUDGET_MS - (Date.now() - started)).unref())
      : new Promise<never>(() => {});
    await Promise.race([story(), budget]);
    say(`\nall ${STORY.length} steps behaved (${((Date.now() - started) / 1000).toFixed(1)} s). Stopping.`);
    return 0;
  } catch (e) {
    if (interrupted) return 130;
    const msg = e instanceof Error ? e.message : String(e);
    say(`\nDEMO FAILED at ${current}: ${msg}`);
    return 1;
  } finally {
    await cleanup();
  }
}

async function runStep(step: Step, i: number, ctx: StoryContext, op: Operator, frontend: () => Frontend | undefined, opts: Options): Promise<void> {
  say(`\n[${i + 1}/${STORY.length}] ${step.title}`);
  indent(step.why);
  // Every outcome from the first request of the step to the end of its window: no RPC may fail in between.
  const during = new Tally();
  let off = frontend()?.onOutcome((o) => during.add(o));
  const before = await op.ackedVersions(FRONTEND_NODE);
  const t0 = Date.now();
  await step.act(ctx);
  const fe = frontend();
  if (!fe) throw new StepFailed('the frontend is not running');
  off ??= fe.onOutcome((o) => during.add(o));
  const { changed, ackedAt } = await op.waitForSync(FRONTEND_NODE, before);
  indent(`frontend ACKed the new ${changed.join(', ')} within ${Math.max(0, ackedAt - t0)} ms of the first request (GET /v1/rxds/proxies/${FRONTEND_NODE}: all SYNCED)`);
  await step.afterSync?.(ctx);
  const window = await countNext(fe, opts.window);
  off();
  const problems = [...window.problems(step.expect, step.tolerance), ...(step.extraProblems?.(window) ?? [])];
  if (window.failures.length === 0 && during.failures.length > 0) problems.push(`${during.failures.length} RPCs failed during the change (first: ${during.failures[0]})`);
  const verdict = problems.length === 0 ? 'OK' : 'NOT AS EXPECTED';
  indent(`next ${opts.window} RPCs: ${window.describe(['v1', 'v2'])}   expected ${describeSplit(step.expect, step.tolerance)}, no failures -> ${verdict}`);
  indent(`by instance: ${window.describeInstances()}; ${during.total} RPCs since the step began, ${during.failures.length} failed`);
  if (problems.length > 0) throw new StepFailed(problems.join('; '));
}

/** Every second, the last second's traffic (interactive mode). */
function startTicker(fe: Frontend): NodeJS.Timeout {
  let t = new Tally();
  fe.onOutcome((o) => t.add(o));
  return setInterval(() => {
    say(`      ~ frontend, last second: ${t.total} RPCs  ${t.describe(['v1', 'v2'])}`);
    t = new Tally();
  }, 1000);
}

function assertNever(msg: string): never {
  throw new Error(msg);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error('demo crashed:', e);
    process.exit(1);
  },
);
