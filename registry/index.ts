export { callRegistry, type RegistryRequest, type RegistryResult, socketUrlOf } from './client.ts';
export { type RendezvousTarget, requestConnectUrl } from './connect.ts';
export { type RegistryRole, RendezvousError, RendezvousRejectedError, registryFailure } from './errors.ts';
export { type RegistrationOptions, registerExecutor } from './register.ts';
export { type RelayStats, requestRelayStats } from './stats.ts';
