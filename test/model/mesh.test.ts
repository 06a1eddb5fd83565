import * as pp from '../../src';

describe('Mesh', () => {
  test('Mesh.istio() is Istio with sidecars and the CNI plugin, the same object as Mesh.ISTIO', () => {
    expect(pp.Mesh.istio()).toBe(pp.Mesh.ISTIO);
    expect(pp.Mesh.istio({ cni: true })).toBe(pp.Mesh.ISTIO);
    expect(pp.Mesh.none()).toBe(pp.Mesh.NONE);
    const m = pp.Mesh.ISTIO;
    expect([m.name, m.dataplane, m.cni, m.sidecarInjection, m.needsPrivilegedInit]).toEqual(['istio', pp.MeshDataplane.SIDECAR, true, true, false]);
    expect(m.toString()).toBe('Mesh.istio()');
  });

  test('sidecars without the CNI plugin need a privileged init container', () => {
    const m = pp.Mesh.istio({ cni: false });
    expect(m).not.toBe(pp.Mesh.ISTIO);
    expect([m.name, m.dataplane, m.cni, m.sidecarInjection, m.needsPrivilegedInit]).toEqual(['istio', 'sidecar', false, true, true]);
    expect(m.toString()).toBe('Mesh.istio({ cni: false })');
    expect(m._namespaceLabels()).toEqual({ 'istio-injection': 'enabled' });
  });

  test('ambient mode: no sidecar, the dataplane-mode label and the waypoint label', () => {
    const plain = pp.Mesh.istioAmbient();
    expect([plain.name, plain.dataplane, plain.cni, plain.sidecarInjection, plain.needsPrivilegedInit, plain.waypoint]).toEqual(['istio', 'ambient', true, false, false, undefined]);
    expect(plain._namespaceLabels()).toEqual({ 'istio.io/dataplane-mode': 'ambient' });
    expect(plain.toString()).toBe('Mesh.istioAmbient()');
    const waypoint = pp.Mesh.istioAmbient({ waypoint: 'checkout-waypoint' });
    expect(waypoint._namespaceLabels()).toEqual({ 'istio.io/dataplane-mode': 'ambient', 'istio.io/use-waypoint': 'checkout-waypoint' });
    expect(waypoint.toString()).toBe("Mesh.istioAmbient({ waypoint: 'checkout-waypoint' })");
  });

  test('no mesh: no labels', () => {
    expect(pp.Mesh.NONE._namespaceLabels()).toEqual({});
    expect([pp.Mesh.NONE.name, pp.Mesh.NONE.dataplane, pp.Mesh.NONE.sidecarInjection]).toEqual(['none', 'none', false]);
    expect(pp.Mesh.NONE.toString()).toBe('Mesh.none()');
  });

  test('bad input', () => {
    expect(() => pp.Mesh.istio({ cni: 'yes' as any })).toThrow("Mesh.istio: 'cni' must be true or false, got 'yes'");
    expect(() => pp.Mesh.istioAmbient({ waypoint: 'Way_Point' })).toThrow("Mesh.istioAmbient: 'waypoint' must be a DNS-1123 label");
  });
});
