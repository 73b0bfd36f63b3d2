export type * from './compiled-chain.js';
export { ChainError } from './chain-error.js';
export { compileChain } from './compile-chain.js';
export { chainDependencies, chainServices } from './chain-dependencies.js';
export { selectTargetInstances, instanceHealth, type InstanceHealth } from './select-target-instances.js';
export { compiledChain$, type CompiledChainOptions } from './compiled-chain-stream.js';
export { targetId, targetSni, serviceSpiffeId, DEFAULT_CONNECT_TIMEOUT_MS } from './chain-target.js';
