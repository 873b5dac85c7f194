import { ConfigError, loadConfig } from './load-config';
import { ServiceSettings, StandaloneSettings } from './settings';

describe('configuration', () => {
  const valid = { DATABASE_URL: 'postgres://yishi@db:5432/yishi_ledger', NATS_URL: 'nats://nats:4222' };

  it('reads settings with their types and defaults', () => {
    const settings = loadConfig(ServiceSettings, { ...valid, REQUEST_TIMEOUT_MS: '2500' });
    expect(settings).toMatchObject({ ...valid, REQUEST_TIMEOUT_MS: 2_500, LOG_LEVEL: 'info', SUBJECT_PREFIX: '' });
    expect(settings.subjectPrefix).toBe('');
    expect(loadConfig(ServiceSettings, { ...valid, SUBJECT_PREFIX: 'run7' }).subjectPrefix).toBe('run7.');
  });

  it('refuses every bad setting in one line that names each of them', () => {
    const attempt = (): unknown => loadConfig(ServiceSettings, { DATABASE_URL: 'mysql://x', NATS_URL: 'nats://n:4222', LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^invalid configuration \(配置无效\): .*DATABASE_URL "mysql:\/\/x".*LOG_LEVEL "loud"[^\n]*$/);
  });

  it('requires what a service cannot run without', () => {
    expect(() => loadConfig(ServiceSettings, {})).toThrow(/DATABASE_URL.*NATS_URL/);
  });

  it('treats an empty variable as unset, so standalone falls back to its embedded defaults', () => {
    expect(loadConfig(StandaloneSettings, { DATABASE_URL: '', NATS_URL: '' })).toMatchObject({ PORT: 3000, YISHI_DATA_DIR: './.yishi' });
  });
});
