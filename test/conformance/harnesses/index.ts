import type { SourceHarness } from '../source-harness.js';
import { CloseHarness } from './close.js';
import { VirtuousGiftsHarness } from './virtuous-gifts.js';
import { VirtuousHarness } from './virtuous.js';

/** Every source and record type the conformance suite runs against: one line each. */
export const HARNESSES: SourceHarness[] = [new VirtuousHarness(), new VirtuousGiftsHarness(), new CloseHarness()];
