export * from './gateway.module';
export * from './health/service-health';
export * from './readiness';
export * from './start-gateway';
