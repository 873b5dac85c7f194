// node-postgres exports its parameter serialiser (`pg/lib/utils`) without types; the ledger's
// path bench uses it to serialise parameters exactly as the driver would.
declare module 'pg/lib/utils' {
  export function prepareValue(value: unknown): unknown;
}
