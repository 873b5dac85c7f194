export * from './data-source';
export * from './database-url';
export * from './uuidv7';
export * from './array-parameters';
export * from './calendar-date';
