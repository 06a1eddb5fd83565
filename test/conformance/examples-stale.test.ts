/**
 * The committed output of every example is what its `.projenrc.ts` generates today: synthesize a fresh
 * copy and compare every generated file byte for byte (and the list of generated files).
 */
import * as fs from 'fs';
import * as path from 'path';
import { exampleNames, ExampleOutput, exampleOutput } from './example-harness';
import { repoRoot } from './validators';

const outputs: ExampleOutput[] = [];
beforeAll(() => {
  for (const name of exampleNames()) outputs.push(exampleOutput(name));
}, 300_000);

test.each(exampleNames())('examples/%s: committed output is up to date (fix: run scripts/synth-example.sh for it)', (name) => {
  const o = outputs.find((x) => x.name === name)!;
  const committedDir = path.join(repoRoot(), 'examples', name);
  const committedList = JSON.parse(fs.readFileSync(path.join(committedDir, '.projen', 'files.json'), 'utf8')).files;
  expect(committedList).toEqual(o.files);
  expect(o.files.length).toBeGreaterThan(5);
  const stale: string[] = [];
  for (const f of [...o.files, 'package.json']) {
    const committed = path.join(committedDir, f);
    if (!fs.existsSync(committed) || fs.readFileSync(committed, 'utf8') !== o.read(f)) stale.push(f);
  }
  expect(stale).toEqual([]);
});
