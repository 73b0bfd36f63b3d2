// The frontend -> backend story, step by step: what the operator does through the HTTP API and what the
// frontend's traffic should look like afterwards.
import type { BackendInstance } from './backend.js';
import type { Operator } from './operator.js';
import type { ExpectedSplit, Tally } from './tally.js';

export interface StoryContext {
  readonly op: Operator;
  readonly say: (line: string) => void;
  /** Starts a backend instance (a grpc-js server on a free port) and remembers it. */
  startBackend(id: string, version: string): Promise<BackendInstance>;
  backend(id: string): BackendInstance;
  /** Starts the frontend's RPC loop (once the backend exists). */
  startFrontend(): Promise<void>;
}

export interface Step {
  readonly title: string;
  /** What it shows, in a sentence, printed before the requests. */
  readonly why: string;
  act(ctx: StoryContext): Promise<void>;
  /** Run after the frontend ACKed the change and before the window is counted. */
  afterSync?(ctx: StoryContext): Promise<void>;
  readonly expect: ExpectedSplit;
  /** Percentage points a share may be off (shares of 0% and 100% must be exact). */
  readonly tolerance: number;
  /** Further checks of the counted window. */
  extraProblems?(window: Tally): string[];
}

const SUBSETS = { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } };

async function registerInstance(ctx: StoryContext, id: string, version: string): Promise<void> {
  const b = await ctx.startBackend(id, version);
  ctx.say(`(started ${id}, a grpc-js server answering "${version}", on 127.0.0.1:${b.port})`);
  await ctx.op.register({ Name: 'backend', ID: id, Address: '127.0.0.1', Port: b.port, Tags: [version], Meta: { version }, Check: { TTL: '10m' } });
  // A TTL check starts critical; the instance's own health reporting says it is ready.
  await ctx.op.check('pass', `service:${id}`);
}

export const STORY: readonly Step[] = [
  {
    title: 'backend v1 goes live',
    why: 'Two v1 instances are registered (with TTL health checks, passed), backend speaks gRPC; the frontend starts calling xds:///backend.',
    async act(ctx) {
      await ctx.op.writeConfig({ Kind: 'service-defaults', Name: 'backend', Protocol: 'grpc' });
      await registerInstance(ctx, 'backend-v1-a', 'v1');
      await registerInstance(ctx, 'backend-v1-b', 'v1');
      await ctx.startFrontend();
    },
    expect: { v1: 100 },
    tolerance: 0,
  },
  {
    title: 'canary: v2 gets 10%',
    why: 'Subsets first (so v2 gets no traffic by accident when it registers), then the v2 instance, then a 90/10 splitter.',
    async act(ctx) {
      await ctx.op.writeConfig({ Kind: 'service-resolver', Name: 'backend', DefaultSubset: 'v1', Subsets: SUBSETS });
      await registerInstance(ctx, 'backend-v2-a', 'v2');
      await ctx.op.writeConfig({ Kind: 'service-splitter', Name: 'backend', Splits: [{ Weight: 90, ServiceSubset: 'v1' }, { Weight: 10, ServiceSubset: 'v2' }] });
    },
    expect: { v1: 90, v2: 10 },
    tolerance: 6,
  },
  {
    title: 'v2 looks good: 50/50',
    why: 'One write of the splitter moves half of the traffic.',
    async act(ctx) {
      await ctx.op.writeConfig({ Kind: 'service-splitter', Name: 'backend', Splits: [{ Weight: 50, ServiceSubset: 'v1' }, { Weight: 50, ServiceSubset: 'v2' }] });
    },
    expect: { v1: 50, v2: 50 },
    tolerance: 10,
  },
  {
    title: 'a v1 instance goes away',
    why: 'backend-v1-b deregisters (as its shutdown hook would; a TTL check it stops passing does the same), the frontend drops it, then its process stops. v1 keeps its 50% on backend-v1-a and no RPC fails.',
    async act(ctx) {
      await ctx.op.deregister('backend-v1-b');
    },
    async afterSync(ctx) {
      await ctx.backend('backend-v1-b').stop();
      ctx.say('(backend-v1-b stopped)');
    },
    expect: { v1: 50, v2: 50 },
    tolerance: 10,
    extraProblems: (w) => ((w.byInstance.get('backend-v1-b') ?? 0) > 0 ? [`backend-v1-b still served ${w.byInstance.get('backend-v1-b')} RPCs`] : []),
  },
  {
    title: 'failover from v1 to v2, configured',
    why: 'The resolver says: when the v1 subset has no healthy instance, use v2. While v1 is healthy nothing moves (the split stays 50/50).',
    async act(ctx) {
      await ctx.op.writeConfig({ Kind: 'service-resolver', Name: 'backend', DefaultSubset: 'v1', Subsets: SUBSETS, Failover: { v1: { ServiceSubset: 'v2' } } });
    },
    expect: { v1: 50, v2: 50 },
    tolerance: 10,
  },
  {
    title: 'v1 turns critical: failover',
    why: "backend-v1-a's TTL check fails; v1 has no healthy instance left, so v1's half of the traffic fails over to v2 without a failed RPC.",
    async act(ctx) {
      await ctx.op.check('fail', 'service:backend-v1-a');
    },
    expect: { v2: 100 },
    tolerance: 0,
  },
  {
    title: 'v1 recovers',
    why: "backend-v1-a's check passes again; v1 takes its half back.",
    async act(ctx) {
      await ctx.op.check('pass', 'service:backend-v1-a');
    },
    expect: { v1: 50, v2: 50 },
    tolerance: 10,
  },
];
