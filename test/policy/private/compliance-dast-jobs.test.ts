import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import * as pp from '../../../src';
import { errorOf, makeApp, workflowOf } from '../../util';

/** An app with what the ComplianceStage's checks need, and the stage with `props`. */
function full(props: pp.ComplianceStageProps = {}, overrides: Partial<pp.PlatformAppProps> = {}) {
  const { project, app } = makeApp({ repository: 'acme/checkout', ...overrides });
  new pp.KindE2EStage(app, 'E2E', { environment: 'staging' });
  new pp.KyvernoPolicies(app, 'Policies');
  new pp.NetworkPolicies(app, 'Network');
  const stage = new pp.ComplianceStage(app, 'Compliance', props);
  return { project, app, stage };
}

/** The checks the report lists, in its order. */
const reportChecks = (out: pp.SynthOutput) => out.file('compliance/checkout/report.sh')!.split('\n').filter((l) => /^[a-z-]+\t/.test(l)).map((l) => l.split('\t'));

describe('ComplianceStage: STIG scan', () => {
  test('off unless asked: no step, no script, no report row', () => {
    for (const props of [{}, { stig: { enabled: false } }]) {
      const out = pp.Testing.synth(full(props).project);
      expect(workflowOf(out).jobs['checkout-e2e'].steps.map((s: any) => s.id)).not.toContain('stig');
      expect(out.file('compliance/checkout/stig.sh')).toBeUndefined();
      expect(reportChecks(out).map((c) => c[0])).not.toContain('stig');
    }
  });

  test('a step of the E2E job on the image this run built (by the build job\'s digest), before the report, whatever happened before', () => {
    const out = pp.Testing.synth(full({ stig: {} }).project);
    const job = workflowOf(out).jobs['checkout-e2e'];
    const ids: string[] = job.steps.map((s: any) => s.id);
    expect(ids.slice(ids.indexOf('falco-check'), ids.indexOf('falco-check') + 3)).toEqual(['falco-check', 'stig', 'compliance-report']);
    expect(job.steps.find((s: any) => s.id === 'stig')).toEqual({
      name: 'DISA STIG (OpenSCAP) on the image this run built: at most 0 failed rule(s)',
      id: 'stig',
      if: '${{ !cancelled() }}',
      env: {
        IMAGE_REPOSITORY: 'ghcr.io/acme/checkout',
        IMAGE_DIGEST: '${{ needs.checkout-build.outputs.digest }}',
        SSG_CONTENT: '/usr/share/xml/scap/ssg/content',
      },
      run: 'bash compliance/checkout/stig.sh',
    });
    // the scan lengthens the job: 8 more minutes of timeout
    const without = workflowOf(pp.Testing.synth(full({}).project)).jobs['checkout-e2e'];
    expect(job['timeout-minutes'] - without['timeout-minutes']).toBe(8);
    // the job needs the build, whose output it reads
    expect(job.needs).toContain('checkout-build');
    expect(workflowOf(out).jobs['checkout-build'].outputs.digest).toBeDefined();
    const script = out.file('compliance/checkout/stig.sh')!;
    expect(script).toContain("profile='xccdf_org.ssgproject.content_profile_stig'\n");
    expect(script).toContain("datastream=''\n");
    expect(script).toContain('max_failures=0\n');
    expect(script).toContain('require_content=false\n');
    expect(script).toContain('apt-get install -y -qq --no-install-recommends openscap-scanner openscap-utils ssg-base ssg-debderived ssg-debian ssg-nondebian;');
    expect(script).toContain('sudo oscap-chroot "${rootfs}" xccdf eval --profile "${profile}"');
    // in the report, after the CIS benchmark, with its NIST SP 800-53 controls
    const rows = reportChecks(out);
    expect(rows.map((c) => c[0])).toEqual(['falco', 'kube-bench', 'stig', 'network-deny', 'unsigned-image', 'pod-security', 'policy-privileged', 'secrets']);
    expect(rows.find((c) => c[0] === 'stig')!.slice(1)).toEqual([
      'OpenSCAP / DISA STIG',
      'OpenSCAP evaluates the STIG profile of the image\'s OS on the image this run built: failed rules within the bound',
      'CM-6 Configuration Settings; CM-7 Least Functionality; SI-2 Flaw Remediation',
    ]);
  });

  test('the props: profile, data stream, bound, and whether an image without STIG content fails', () => {
    const out = pp.Testing.synth(full({
      stig: { profile: 'xccdf_org.ssgproject.content_profile_stig_gui', datastream: 'ssg-rhel9-ds.xml', maxFailures: 25, requireContent: true },
    }).project);
    const script = out.file('compliance/checkout/stig.sh')!;
    expect(script).toContain("profile='xccdf_org.ssgproject.content_profile_stig_gui'\n");
    expect(script).toContain("datastream='ssg-rhel9-ds.xml'\n");
    expect(script).toContain('max_failures=25\n');
    expect(script).toContain('require_content=true\n');
    expect(workflowOf(out).jobs['checkout-e2e'].steps.find((s: any) => s.id === 'stig').name).toContain('at most 25 failed rule(s)');
  });
});

describe('ComplianceStage: ZAP baseline', () => {
  test('off unless asked', () => {
    for (const props of [{}, { zap: { enabled: false } }]) {
      const { project, stage } = full(props);
      const out = pp.Testing.synth(project);
      expect(stage.zapJob).toBeUndefined();
      expect(Object.keys(workflowOf(out).jobs).filter((j) => j.includes('zap'))).toEqual([]);
      expect(out.file('compliance/checkout/zap-rules.tsv')).toBeUndefined();
    }
  });

  test('a verify job after the first environment\'s deploy, which the next environment waits for; read-only, no issue written', () => {
    const { project, stage } = full({ zap: {} });
    const out = pp.Testing.synth(project);
    const jobs = workflowOf(out).jobs;
    expect(stage.zapJob!.id).toBe('checkout-zap-staging');
    const job = jobs['checkout-zap-staging'];
    expect(job.needs).toBe('checkout-deploy-staging');
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(job.environment).toBeUndefined();
    expect(job['timeout-minutes']).toBe(20);
    expect(jobs['checkout-deploy-production'].needs).toContain('checkout-zap-staging');
    expect(job.steps.map((s: any) => s.id)).toEqual(['checkout', 'zap', 'zap-summary']);
    expect(job.steps[0].with['persist-credentials']).toBe(false);
    const zap = job.steps[1];
    expect(zap.uses).toBe('zaproxy/action-baseline@de8ad967d3548d44ef623df22cf95c3b0baf8b25');
    expect(zap.with).toEqual({
      target: 'https://staging.acme.dev',
      docker_name: 'ghcr.io/zaproxy/zaproxy:2.16.1',
      cmd_options: '-c compliance/checkout/zap-rules.tsv',
      fail_action: 'true',
      allow_issue_writing: 'false',
      artifact_name: 'checkout-zap-baseline-staging',
    });
    expect(job.steps[2]).toEqual({
      name: 'ZAP alerts in the job summary (no report fails)',
      id: 'zap-summary',
      if: '${{ !cancelled() && steps.zap.outcome != \'skipped\' }}',
      env: { TARGET: 'https://staging.acme.dev' },
      run: 'bash compliance/checkout/zap-summary.sh',
    });
    // the compliance report (written before any deploy) names the job that runs later
    expect(out.file('compliance/checkout/report.sh')).toContain(
      'Later in the pipeline: Penetration testing (DAST baseline): OWASP ZAP baseline against staging (https://staging.acme.dev) in job checkout-zap-staging, after its deploy (CA-8 Penetration Testing (a baseline, not a penetration test); RA-5 Vulnerability Monitoring and Scanning; SA-11 Developer Testing and Evaluation)');
  });

  test('the props: environment, rules file, warnings, image, timeout', () => {
    const out = pp.Testing.synth(full({
      zap: {
        environment: 'production',
        rules: [
          { id: 10096, action: pp.ZapRuleAction.IGNORE, note: 'dates are Unix timestamps by design' },
          { id: 10038, action: pp.ZapRuleAction.FAIL },
          { id: 10021, action: pp.ZapRuleAction.INFO },
        ],
        failOnWarnings: false,
        image: `ghcr.io/zaproxy/zaproxy@sha256:${'b'.repeat(64)}`,
        timeout: Duration.minutes(45),
      },
    }).project);
    const job = workflowOf(out).jobs['checkout-zap-production'];
    expect(job.needs).toBe('checkout-deploy-production');
    expect(job['timeout-minutes']).toBe(45);
    expect(job.steps[1].with.target).toBe('https://acme.dev');
    expect(job.steps[1].with.docker_name).toBe(`ghcr.io/zaproxy/zaproxy@sha256:${'b'.repeat(64)}`);
    // -I: a WARN does not fail, a FAIL rule does
    expect(job.steps[1].with.cmd_options).toBe('-c compliance/checkout/zap-rules.tsv -I');
    expect(out.file('compliance/checkout/zap-rules.tsv')!.split('\n').filter((l) => !l.startsWith('#'))).toEqual([
      '10096\tIGNORE\tdates are Unix timestamps by design',
      '10038\tFAIL\tset in .projenrc.ts',
      '10021\tINFO\tset in .projenrc.ts',
      '',
    ]);
  });
});

describe('ComplianceStage: STIG and ZAP errors', () => {
  test('bad input names the construct path, the prop, the value and the fix, and writes nothing', () => {
    const err = (props: pp.ComplianceStageProps) => {
      const { project, app } = makeApp();
      const e = errorOf(() => new pp.ComplianceStage(app, 'Compliance', props));
      // the stage threw before it added a file or a job
      expect(app.pipeline.tryFindJob('secrets-check')).toBeUndefined();
      expect(fs.existsSync(path.join(project.outdir, 'compliance'))).toBe(false);
      return e;
    };
    expect(err({ stig: { profile: 'stig' } })).toContain("checkout/Compliance: 'stig.profile' must be an XCCDF profile id such as 'xccdf_org.ssgproject.content_profile_stig', got 'stig'; list a data stream's profiles with 'oscap info <data stream>'");
    expect(err({ stig: { datastream: '/etc/passwd' } })).toContain("'stig.datastream' must be a data stream file of the SCAP Security Guide such as 'ssg-rhel9-ds.xml' (in /usr/share/xml/scap/ssg/content), got '/etc/passwd'; leave it out to choose it from the image's OS");
    expect(err({ stig: { maxFailures: -1 } })).toContain("'stig.maxFailures' must be a whole number from 0 to 10000, got -1");
    expect(err({ stig: { maxFailures: 2.5 } })).toContain("'stig.maxFailures' must be a whole number from 0 to 10000, got 2.5");
    expect(err({ stig: { requireContent: 'yes' as any } })).toContain("'stig.requireContent' must be true or false, got 'yes'");
    expect(err({ zap: { environment: 'qa' } })).toContain("checkout/Compliance: 'zap.environment' names 'qa', which the app does not declare; environments are ['staging', 'production']");
    expect(err({ zap: { rules: [{ id: -3, action: pp.ZapRuleAction.WARN }] } })).toContain("'zap.rules[0].id' must be a ZAP alert id (a whole number such as 10038), got -3");
    expect(err({ zap: { rules: [{ id: 10038, action: pp.ZapRuleAction.WARN }, { id: 10038, action: pp.ZapRuleAction.FAIL }] } })).toContain("'zap.rules[1].id' 10038 is listed twice; give each alert one action");
    expect(err({ zap: { rules: [{ id: 10038, action: 'BLOCK' as any }] } })).toContain("'zap.rules[0].action' must be a ZapRuleAction (IGNORE, INFO, WARN, FAIL), got 'BLOCK'");
    expect(err({ zap: { rules: [{ id: 10038, action: pp.ZapRuleAction.WARN, note: 'a\tb' }] } })).toContain("'zap.rules[0].note' must be one line of text without tabs");
    expect(err({ zap: { image: 'ghcr.io/zaproxy/zaproxy:stable' } })).toContain("'zap.image' must not be a floating tag, got 'ghcr.io/zaproxy/zaproxy:stable'; pin a version ('ghcr.io/zaproxy/zaproxy:2.16.1') or a digest");
    expect(err({ zap: { image: 'zaproxy' } })).toContain("'zap.image' must be an image reference with a tag or a digest");
    expect(err({ zap: { timeout: Duration.minutes(1) } })).toContain("'zap.timeout' must be from 5 to 360 minutes, got '1 minute'");
    // an environment without a URL has nothing to scan
    const noUrl = (() => {
      const { project, app } = makeApp({
        environments: [{ name: 'staging', namespace: 'platform-staging', cluster: pp.ClusterAccess.kubeconfigSecret('STAGING_KUBECONFIG') }],
      });
      const e = errorOf(() => new pp.ComplianceStage(app, 'Compliance', { zap: {} }));
      expect(fs.existsSync(path.join(project.outdir, 'compliance'))).toBe(false);
      return e;
    })();
    expect(noUrl).toContain("checkout/Compliance: 'zap' scans environment 'staging' at its URL, and it has none; set 'url' on environment 'staging' (e.g. 'https://staging.example.com') or name another with 'zap.environment'");
  });
});

describe('EnterprisePipeline: STIG and ZAP on by default', () => {
  test('the STIG step in the E2E job and the ZAP baseline after the first environment with a URL', () => {
    const { project, app } = makeApp({ repository: 'acme/checkout' });
    const pipeline = new pp.EnterprisePipeline(app, 'Pipeline');
    const out = pp.Testing.synth(project);
    const jobs = workflowOf(out).jobs;
    expect(jobs['checkout-e2e'].steps.map((s: any) => s.id)).toContain('stig');
    expect(pipeline.compliance!.checks).toContain('stig');
    expect(pipeline.compliance!.zapJob!.id).toBe('checkout-zap-staging');
    expect(jobs['checkout-zap-staging'].needs).toBe('checkout-deploy-staging');
    expect(out.file('compliance/checkout/stig.sh')).toContain('require_content=false\n');
  });
});
