import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;
const NATS_URL = /^(nats|tls):\/\/[^\s]+(,(nats|tls):\/\/[^\s]+)*$/;
const SUBJECT_PREFIX = /^[a-z0-9_-]*$/;

/** Settings every process shares. */
export class CommonSettings {
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Default deadline of a request to another service. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(120_000)
  REQUEST_TIMEOUT_MS = 5_000;

  /** Prepended to every subject and stream, so that test runs never see each other. */
  @IsString()
  @Matches(SUBJECT_PREFIX, { message: 'SUBJECT_PREFIX may hold only a-z, 0-9, _ and -' })
  SUBJECT_PREFIX = '';

  /** What the transports put before every subject: `"<SUBJECT_PREFIX>."`, or nothing. */
  get subjectPrefix(): string {
    return this.SUBJECT_PREFIX ? `${this.SUBJECT_PREFIX}.` : '';
  }
}

/** A service process (identity, proposals, voting, ledger) in distributed mode. */
export class ServiceSettings extends CommonSettings {
  @Matches(POSTGRES_URL, { message: 'DATABASE_URL must be a postgres:// URL of this service’s own database' })
  DATABASE_URL!: string;

  @Matches(NATS_URL, { message: 'NATS_URL must be one or more nats:// URLs, comma-separated' })
  NATS_URL!: string;
}

/** The HTTP gateway in distributed mode. */
export class GatewaySettings extends CommonSettings {
  @Matches(NATS_URL, { message: 'NATS_URL must be one or more nats:// URLs, comma-separated' })
  NATS_URL!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65_535)
  PORT = 3000;
}

/** The single-process system: every setting optional, embedded Postgres and in-process bus by default. */
export class StandaloneSettings extends CommonSettings {
  /** A server URL (any database name); each service gets its own database on that server. */
  @IsOptional()
  @Matches(POSTGRES_URL, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(NATS_URL, { message: 'NATS_URL must be one or more nats:// URLs, comma-separated' })
  NATS_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65_535)
  PORT = 3000;

  /** Where embedded Postgres keeps its data. */
  @IsString()
  YISHI_DATA_DIR = './.yishi';
}
