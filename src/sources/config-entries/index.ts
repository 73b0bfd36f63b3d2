export * from './config-entry.js';
export { parseConfigEntry } from './parse-config-entry.js';
export {
  validateConfigEntryGraph,
  validateDeletion,
  validateConfigEntrySet,
  graphProblems,
  serviceProtocol,
  type ConfigEntrySet,
  type GraphProblem,
} from './validate-graph.js';
export { parseGoDuration, formatGoDuration, durationMs } from './duration.js';
export type { ProxyDefaultsEntry } from './proxy-defaults.js';
export { PROXY_DEFAULTS_NAME } from './proxy-defaults.js';
export type { ServiceDefaultsEntry, Protocol } from './service-defaults.js';
export { PROTOCOLS, L7_PROTOCOLS } from './service-defaults.js';
export type { ServiceRouterEntry, ServiceRoute, RouteDestination } from './service-router.js';
export type { ServiceSplitterEntry, ServiceSplit } from './service-splitter.js';
export { scaledWeight } from './service-splitter.js';
export type { ServiceResolverEntry, ResolverSubset, ResolverFailover, LoadBalancer } from './service-resolver.js';
export type { ServiceIntentionsEntry, IntentionSource, IntentionPermission, IntentionAction } from './service-intentions.js';
export { intentionPrecedence } from './service-intentions.js';
export type { HeaderMatch } from './common.js';
