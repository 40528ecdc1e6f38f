import { MemoryLog } from '../../src/log/index.js';
import { findKafka, testLog } from '../kafka/broker.js';
import { logContract } from './log-contract.js';

logContract('memory', { make: () => new MemoryLog({ capacity: 100 }) });

const kafka = await findKafka();
logContract('kafka', {
  skip: typeof kafka === 'string' ? kafka : false,
  make: (t) => {
    if (typeof kafka === 'string') throw new Error(kafka);
    return testLog(t, kafka);
  },
});
