import type { SourceHarness } from '../source-harness.js';
import { CloseHarness } from './close.js';
import { VirtuousHarness } from './virtuous.js';

/** Every source the conformance suite runs against: one line per source. */
export const HARNESSES: SourceHarness[] = [new VirtuousHarness(), new CloseHarness()];
