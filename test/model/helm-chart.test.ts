import * as pp from '../../src';
import { errorOf } from '../util';

describe('HelmChart', () => {
  test('helm chart', () => {
    expect(errorOf(() => pp.HelmChart.fromPath('/abs/chart'))).toContain("'chartPath' must be a path inside the repository");
    expect(errorOf(() => pp.HelmChart.fromPath('../chart'))).toContain("'chartPath' must be a path inside the repository");
    expect(errorOf(() => pp.HelmChart.fromPath('c', { digestValue: 'image digest' }))).toContain("'digestValue' must be a dotted values key");
  });
});
