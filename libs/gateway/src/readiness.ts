export const READINESS = Symbol('READINESS');

/** Answers whether the gateway's connection to the services is usable right now. */
export type Readiness = () => boolean;
