import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { ROOT } from '../support/processes';

interface LintResult {
  messages: { ruleId: string | null; message: string }[];
}

/** Lints `code` as if it were written in `filePath`, and returns what the boundary rule says. */
function boundaryErrors(filePath: string, code: string): string[] {
  const lint = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', filePath, '--format', 'json'],
    { cwd: ROOT, input: code, encoding: 'utf8' },
  );
  const [result] = JSON.parse(lint.stdout) as LintResult[];
  return result!.messages.filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((message) => message.message);
}

describe('module boundaries are enforced by lint, not by good intentions', () => {
  beforeAll(() => {
    // The rule reads Nx's project graph and silently skips itself without one.
    execFileSync(process.execPath, [join(ROOT, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects'], {
      cwd: ROOT,
      env: { ...process.env, NX_DAEMON: 'false' },
    });
  });

  it('a service may not import another service', () => {
    const errors = boundaryErrors('libs/voting/src/x.ts', `import { ledgerService } from '@yishi/ledger';\nexport const x = ledgerService;\n`);
    expect(errors).toEqual([expect.stringContaining('scope:voting')]);
  });

  it('an app may not import another app', () => {
    expect(boundaryErrors('apps/identity/src/x.ts', `import '../../gateway/src/main';\n`)).not.toEqual([]);
  });

  it('shared code may not import a service', () => {
    const errors = boundaryErrors('libs/messaging/src/x.ts', `import { identityService } from '@yishi/identity';\nexport const x = identityService;\n`);
    expect(errors).not.toEqual([]);
  });

  it('a service may import shared libraries', () => {
    expect(boundaryErrors('libs/voting/src/x.ts', `import { RpcClient } from '@yishi/messaging';\nexport const x = RpcClient;\n`)).toEqual([]);
  });
});
