export { callRegistry, type RegistryRequest, type RegistryResult, socketUrlOf } from './client.ts';
export {
  type ConnectAnswer,
  type RendezvousTarget,
  requestConnect,
  requestConnectUrl,
  type SecureBundle,
} from './connect.ts';
export { type RegistryRole, RendezvousError, RendezvousRejectedError, registryFailure } from './errors.ts';
export { type Registration, type RegistrationOptions, registerExecutor } from './register.ts';
export { type RelayStats, requestRelayStats } from './stats.ts';
export { VALIDATION_TIMEOUT_MS, type ValidationRequest, validateHarnessKey } from './validate.ts';
