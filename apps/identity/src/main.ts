import 'reflect-metadata';

import { identityService } from '@yishi/identity';
import { runServiceProcess } from '@yishi/service-kit';

runServiceProcess(identityService);
