import 'reflect-metadata';

import { ledgerService } from '@yishi/ledger';
import { runServiceProcess } from '@yishi/service-kit';

runServiceProcess(ledgerService);
