/**
 * The hand-written promtool scenarios of rule-scenarios.ts (DORA sequences with exact values, every alert
 * just above and just below its threshold, the tier that fires alone), run once over the reference rules:
 * one `promtool check rules` and one `promtool test rules` over both scenario files.
 */
import * as fs from 'fs';
import * as path from 'path';
import { referenceRules, writeScenarios } from './rule-scenarios';
import { checkRules, testRules, tmpDir } from '../conformance/validators';

test('the reference rules pass every hand-written scenario (DORA sequences, thresholds, tiers)', () => {
  const dir = process.env.PP_KEEP_SCENARIOS ?? fs.mkdtempSync(path.join(tmpDir('observability'), 'scenarios-'));
  try {
    const rules = referenceRules();
    fs.writeFileSync(path.join(dir, 'rules.yml'), rules);
    expect(checkRules([path.join(dir, 'rules.yml')])).toEqual([]);
    expect(testRules(writeScenarios(dir, rules))).toEqual([]);
  } finally {
    if (!process.env.PP_KEEP_SCENARIOS) fs.rmSync(dir, { recursive: true, force: true });
  }
});
