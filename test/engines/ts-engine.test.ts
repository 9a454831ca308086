import { createTsEngine } from '../../src/learner/engines/ts/ts-engine';
import { runEngineConformance } from './engine-conformance';

runEngineConformance('ts', createTsEngine);
