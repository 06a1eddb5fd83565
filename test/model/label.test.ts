import { labelMap } from '../../src/model/label';

describe('Label lists', () => {
  test('invalid, repeated and Prometheus-incompatible names are refused', () => {
    expect(labelMap('labels', [{ name: 'release', value: 'kube-prometheus-stack' }])).toEqual({ map: { release: 'kube-prometheus-stack' }, problems: [] });
    expect(labelMap('labels', [{ name: 'bad key!', value: 'x' }]).problems[0]).toContain("'labels' has an invalid label name 'bad key!'");
    expect(labelMap('labels', [{ name: 'a', value: 'x' }, { name: 'a', value: 'y' }]).problems[0]).toContain("names label 'a' twice");
    expect(labelMap('labels', [{ name: 'a', value: 'not a value' }]).problems[0]).toContain("label 'a' has an invalid value 'not a value'");
    expect(labelMap('ruleLabels', [{ name: 'acme.dev/team', value: 'x' }], true).problems[0]).toContain("use letters, digits and '_'");
    expect(labelMap('ruleLabels', [{ name: 'tier', value: 'any value at all' }], true).problems).toEqual([]);
  });
});
