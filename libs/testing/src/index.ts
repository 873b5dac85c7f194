export * from './eventually';
export * from './nats-server';
export * from './ports';
export * from './test-database';
