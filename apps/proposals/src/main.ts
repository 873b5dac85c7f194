import 'reflect-metadata';

import { proposalsService } from '@yishi/proposals';
import { runServiceProcess } from '@yishi/service-kit';

runServiceProcess(proposalsService);
