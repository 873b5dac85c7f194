/** The voting database's own migrations, oldest first (the messaging tables are added by the host). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const votingMigrations: Function[] = [];
