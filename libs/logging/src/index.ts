export * from './bilingual';
export * from './correlation';
export * from './logger';
