// The controls of stage 6, the check that covers each, and the NIST SP 800-53 (rev. 5) controls each check
// provides evidence for. The report lists the checks that ran with this mapping.

/** One check of the ComplianceStage. @internal */
export interface ComplianceCheck {
  /** Result file name and report key. */
  readonly id: string;
  /** The control of stage 6 it covers. */
  readonly control: string;
  /** What the check does. */
  readonly check: string;
  /** NIST SP 800-53 rev. 5 controls. */
  readonly nist: string[];
}

/** Every check, in report order. @internal */
export const COMPLIANCE_CHECKS: Record<string, ComplianceCheck> = {
  'falco': {
    id: 'falco',
    control: 'Runtime security',
    check: 'Falco in the kind cluster during E2E: no alert at or above the threshold in the app\'s namespace',
    nist: ['SI-4 System Monitoring', 'IR-5 Incident Monitoring'],
  },
  'kube-bench': {
    id: 'kube-bench',
    control: 'CIS Kubernetes Benchmark',
    check: 'kube-bench on the kind cluster: FAIL count within the bound',
    nist: ['CM-6 Configuration Settings', 'CM-7 Least Functionality'],
  },
  'network-deny': {
    id: 'network-deny',
    control: 'Network policy enforcement',
    check: 'a client in an undeclared namespace cannot reach the app (denied path)',
    nist: ['SC-7 Boundary Protection', 'AC-4 Information Flow Enforcement'],
  },
  'pod-security': {
    id: 'pod-security',
    control: 'Pod Security Standards enforcement',
    check: 'a privileged pod is refused by Pod Security admission in the app\'s namespace',
    nist: ['AC-6 Least Privilege', 'CM-7 Least Functionality'],
  },
  'policy-privileged': {
    id: 'policy-privileged',
    control: 'Admission policy enforcement',
    check: 'a privileged pod is refused by the Kyverno pod-security-baseline policy (enforced)',
    nist: ['AC-6 Least Privilege', 'CM-7 Least Functionality'],
  },
  'unsigned-image': {
    id: 'unsigned-image',
    control: 'Image signature enforcement',
    check: 'an image of the app\'s repository without the build\'s signature is refused by the signature policy (enforced)',
    nist: ['SI-7 Software, Firmware, and Information Integrity', 'CM-14 Signed Components'],
  },
  'stig': {
    id: 'stig',
    control: 'OpenSCAP / DISA STIG',
    check: 'OpenSCAP evaluates the STIG profile of the image\'s OS on the image this run built: failed rules within the bound',
    nist: ['CM-6 Configuration Settings', 'CM-7 Least Functionality', 'SI-2 Flaw Remediation'],
  },
  'secrets': {
    id: 'secrets',
    control: 'Secrets management',
    check: 'no Secret literals in the repository\'s manifests and values',
    nist: ['IA-5(7) No Embedded Unencrypted Static Authenticators', 'SC-28 Protection of Information at Rest'],
  },
};

/**
 * The OWASP ZAP baseline: it runs after an environment's deploy, so it is no row of the report (which the E2E job
 * writes before any deploy); the report names it, and its job summary shows these controls. @internal
 */
export const ZAP_CHECK: ComplianceCheck = {
  id: 'zap',
  control: 'Penetration testing (DAST baseline)',
  check: 'OWASP ZAP baseline (spider and passive scan, no attack) against the environment\'s URL: no alert at a failing level',
  nist: ['CA-8 Penetration Testing (a baseline, not a penetration test)', 'RA-5 Vulnerability Monitoring and Scanning', 'SA-11 Developer Testing and Evaluation'],
};
