/** Fixture helpers for the validator self-tests. */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

/**
 * Absolute path of a fixture.
 * @param rel path under `test/conformance/fixtures/`, e.g. `good/workflow.yml`
 */
export function fixture(rel: string): string {
  const p = path.join(__dirname, 'fixtures', rel);
  if (!fs.existsSync(p)) throw new Error(`missing fixture ${p}`);
  return p;
}

/**
 * Text of a fixture.
 * @param rel path under `test/conformance/fixtures/`
 */
export function readFixture(rel: string): string {
  return fs.readFileSync(fixture(rel), 'utf8');
}

/**
 * All non-empty YAML documents of a fixture, as plain objects. Throws on YAML errors.
 * @param rel path under `test/conformance/fixtures/`
 */
export function yamlDocs(rel: string): unknown[] {
  return parseAllDocuments(readFixture(rel)).map((d) => {
    if (d.errors.length > 0) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as unknown;
  }).filter((d) => d !== null && d !== undefined);
}
