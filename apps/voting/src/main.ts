import 'reflect-metadata';

import { votingService } from '@yishi/voting';
import { runServiceProcess } from '@yishi/service-kit';

runServiceProcess(votingService);
