export * from './errors/http-status';
export * from './errors/rpc-error.filter';
export * from './gateway.module';
export * from './health/service-health';
export * from './readiness';
export * from './start-gateway';
