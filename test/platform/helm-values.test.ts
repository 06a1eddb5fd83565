import * as pp from '../../src';
import { errorOf } from '../util';

describe('HelmValues', () => {
  test('helm values key paths', () => {
    const v = pp.HelmValues._create('staging');
    expect(errorOf(() => v.set('a..b', 1))).toContain("key path must be dotted identifiers such as 'ingress.enabled', got 'a..b'");
    expect(errorOf(() => v.set('a', undefined))).toContain('value must be JSON-like');
  });
});
