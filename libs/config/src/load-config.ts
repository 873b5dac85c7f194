import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function describe(errors: ValidationError[]): string {
  return errors
    .map((error) => {
      const reasons = Object.values(error.constraints ?? {}).join(', ');
      return `${error.property} ${JSON.stringify(error.value ?? null)}: ${reasons}`;
    })
    .join('; ');
}

/**
 * Reads and validates one app's configuration from the environment. Throws ConfigError whose
 * message is one line naming every bad setting.
 */
export function loadConfig<T extends object>(shape: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  // An empty variable (`DATABASE_URL= npm start`) means "not set", as shells and compose use it.
  const setValues = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const config = plainToInstance(shape, setValues, { exposeDefaultValues: true, enableImplicitConversion: true });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigError(`invalid configuration (配置无效): ${describe(errors)}`);
  }
  return config;
}

/** For `main.ts`: a bad setting stops the process with one clear line on stderr and exit code 78. */
export function loadConfigOrExit<T extends object>(shape: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  try {
    return loadConfig(shape, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}
