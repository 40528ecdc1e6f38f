// A retrain worker for tests: the first job fits for real, the second throws, the third kills the
// worker thread, and a restarted worker starts the sequence over.
import { fitForest } from '../../../src/models/forest/fit-forest.js';
import { serveFits } from '../../../src/models/forest/serve-fits.js';

let jobs = 0;
serveFits((job) => {
  jobs++;
  if (jobs === 2) throw new Error('injected fit failure');
  if (jobs === 3) process.exit(3);
  return fitForest(job);
});
