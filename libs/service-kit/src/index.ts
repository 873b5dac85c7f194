export * from './health.module';
export * from './nats-runtime';
export * from './run-process';
export * from './run-service-process';
export * from './service-definition';
export * from './service-host.module';
export * from './start-service';
export * from './service-fixture';
