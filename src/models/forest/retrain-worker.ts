// Worker-thread entry of WorkerRetrainer: fits forests off the stream's thread.
import { fitForest } from './fit-forest.js';
import { serveFits } from './serve-fits.js';

serveFits(fitForest);
