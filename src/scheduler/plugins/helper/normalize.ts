/**
 * @module scheduler/plugins/helper/normalize
 * helper.DefaultNormalizeScore: scale scores so the best node gets 100 (or, reversed, so the
 * node with the most of a bad thing gets 0). Integer arithmetic, as upstream's int64 scores.
 */
import { MAX_NODE_SCORE } from '../../framework/interface.js';

export function defaultNormalizeScore(scores: number[], reverse = false): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(MAX_NODE_SCORE);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.floor((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
