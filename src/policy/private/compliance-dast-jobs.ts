// The ComplianceStage's STIG step (in the kind E2E job) and ZAP baseline job: options resolved and checked, the
// step and the job built. The scripts are in compliance-dast.ts.
import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { github } from 'projen';
import { ZAP_CHECK } from './compliance-controls';
import { stigScript, zapRulesFile, zapSummaryScript } from './compliance-dast';
import { show } from '../../core/errors';
import { unpinnedImageProblem } from '../../core/names';
import { OPENSCAP_PACKAGES, SSG_CONTENT_DIR, ZAP_IMAGE } from '../../core/versions';
import { JobKind, PipelineJob } from '../../pipeline/pipeline-job';
import { addCheckout } from '../../platform/checkout-step';
import { undeclaredEnvironment } from '../../platform/environments';
import { builtImageDigest } from '../../platform/image-verification';
import type { IPlatformApp } from '../../platform/platform-app-contract';
import type { StigOptions, ZapOptions } from '../compliance-scans';

/** The STIG scan's settings, checked. @internal */
export interface ResolvedStig {
  readonly profile: string;
  readonly datastream?: string;
  readonly maxFailures: number;
  readonly requireContent: boolean;
}

/** The ZAP baseline's settings, checked. @internal */
export interface ResolvedZap {
  readonly environment: string;
  readonly url: string;
  readonly rules: Array<{ id: number; action: string; note: string }>;
  readonly failOnWarnings: boolean;
  readonly image: string;
  readonly timeout: Duration;
}

/** Writes one of the stage's files (`compliance/<app>/<name>`). @internal */
export type AddFile = (name: string, render: () => string, executable?: boolean) => void;

const DEFAULT_STIG_PROFILE = 'xccdf_org.ssgproject.content_profile_stig';
const XCCDF_PROFILE = /^xccdf_[A-Za-z0-9_.-]+_profile_[A-Za-z0-9_.-]+$/;
const DATASTREAM = /^ssg-[a-z0-9]+-ds(-1\.2)?\.xml$/;
const ZAP_ACTIONS = ['IGNORE', 'INFO', 'WARN', 'FAIL'];
const READ = github.workflows.JobPermission.READ;

/** Checks `stig`; problems are added to `problems`. @internal */
export function resolveStig(o: StigOptions, problems: string[]): ResolvedStig {
  const profile = o.profile ?? DEFAULT_STIG_PROFILE;
  if (typeof profile !== 'string' || !XCCDF_PROFILE.test(profile)) {
    problems.push(`'stig.profile' must be an XCCDF profile id such as ${show(DEFAULT_STIG_PROFILE)}, got ${show(profile)}; list a data stream's profiles with 'oscap info <data stream>'`);
  }
  if (o.datastream !== undefined && (typeof o.datastream !== 'string' || !DATASTREAM.test(o.datastream))) {
    problems.push(`'stig.datastream' must be a data stream file of the SCAP Security Guide such as 'ssg-rhel9-ds.xml' (in ${SSG_CONTENT_DIR}), got ${show(o.datastream)}; leave it out to choose it from the image's OS`);
  }
  const maxFailures = o.maxFailures ?? 0;
  if (!Number.isInteger(maxFailures) || maxFailures < 0 || maxFailures > 10000) {
    problems.push(`'stig.maxFailures' must be a whole number from 0 to 10000, got ${show(maxFailures)}`);
  }
  if (o.requireContent !== undefined && typeof o.requireContent !== 'boolean') problems.push(`'stig.requireContent' must be true or false, got ${show(o.requireContent)}`);
  return { profile, datastream: o.datastream, maxFailures, requireContent: o.requireContent ?? false };
}

/** Checks `zap`; problems are added to `problems`. @internal */
export function resolveZap(app: IPlatformApp, o: ZapOptions, problems: string[]): ResolvedZap | undefined {
  const environment = o.environment ?? app.environments[0].name;
  const undeclared = undeclaredEnvironment(app, 'zap.environment', environment);
  let url = '';
  if (undeclared) {
    problems.push(undeclared);
  } else {
    url = app.environment(environment).url ?? '';
    if (!url) problems.push(`'zap' scans environment ${show(environment)} at its URL, and it has none; set 'url' on environment ${show(environment)} (e.g. 'https://${environment}.example.com') or name another with 'zap.environment'`);
  }
  const ids = new Set<number>();
  const rules = (o.rules ?? []).map((r, i) => {
    if (!r || !Number.isInteger(r.id) || r.id < 0 || r.id > 9999999) problems.push(`'zap.rules[${i}].id' must be a ZAP alert id (a whole number such as 10038), got ${show(r?.id)}`);
    else if (ids.has(r.id)) problems.push(`'zap.rules[${i}].id' ${r.id} is listed twice; give each alert one action`);
    else ids.add(r.id);
    if (!ZAP_ACTIONS.includes(r?.action)) problems.push(`'zap.rules[${i}].action' must be a ZapRuleAction (${ZAP_ACTIONS.join(', ')}), got ${show(r?.action)}`);
    const note = r?.note ?? 'set in .projenrc.ts';
    if (typeof note !== 'string' || note.trim() === '' || /[\t\r\n]/.test(note)) problems.push(`'zap.rules[${i}].note' must be one line of text without tabs, got ${show(note)}`);
    return { id: r?.id, action: r?.action, note };
  });
  if (o.failOnWarnings !== undefined && typeof o.failOnWarnings !== 'boolean') problems.push(`'zap.failOnWarnings' must be true or false, got ${show(o.failOnWarnings)}`);
  const image = o.image ?? ZAP_IMAGE;
  const unpinned = unpinnedImageProblem('zap.image', image, 'ghcr.io/zaproxy/zaproxy@sha256:…');
  if (unpinned) {
    problems.push(unpinned);
  } else if (/:(latest|stable|weekly|nightly)(@|$)/.test(image)) {
    problems.push(`'zap.image' must not be a floating tag, got ${show(image)}; pin a version (${show(ZAP_IMAGE)}) or a digest`);
  }
  const timeout = o.timeout ?? Duration.minutes(20);
  const minutes = timeout.toMinutes({ integral: false });
  if (!(minutes >= 5 && minutes <= 360)) problems.push(`'zap.timeout' must be from 5 to 360 minutes, got ${show(timeout.toHumanString())}`);
  return { environment, url, rules, failOnWarnings: o.failOnWarnings ?? true, image, timeout };
}

/** The STIG step of the kind E2E job (it runs whatever happened before: its result is the report's). @internal */
export function stigStep(app: IPlatformApp, dir: string, stig: ResolvedStig, file: AddFile): github.workflows.JobStep {
  file('stig.sh', () => stigScript({ ...stig, packages: OPENSCAP_PACKAGES }));
  return {
    id: 'stig',
    name: `DISA STIG (OpenSCAP) on the image this run built: at most ${stig.maxFailures} failed rule(s)`,
    if: '${{ !cancelled() }}',
    env: {
      IMAGE_REPOSITORY: app.image.repository,
      IMAGE_DIGEST: `\${{ ${builtImageDigest(app)} }}`,
      SSG_CONTENT: SSG_CONTENT_DIR,
    },
    run: `bash ${dir}/stig.sh`,
  };
}

/**
 * The ZAP baseline job: a verify job of the environment (after its deploy; the next environment's deploy waits
 * for it). zaproxy/action-baseline hands its `rules_file_name` to ZAP only when the file has an IGNORE line,
 * so the rules file goes through `cmd_options` (`-c`, relative to the workspace ZAP mounts). No issue is
 * written (`allow_issue_writing: false`), so the job needs no `issues: write`. @internal
 */
export function zapJob(app: IPlatformApp, owner: IConstruct, dir: string, zap: ResolvedZap, file: AddFile): PipelineJob {
  const actions = app.pipeline.actions;
  const rulesPath = `${dir}/zap-rules.tsv`;
  file('zap-rules.tsv', () => zapRulesFile(app.name, zap.rules), false);
  file('zap-summary.sh', () => zapSummaryScript(ZAP_CHECK.nist));
  const job = app.pipeline.addJob(`zap-${zap.environment}`, {
    kind: JobKind.VERIFY,
    environment: zap.environment,
    name: `${app.name} / ZAP baseline (${zap.environment})`,
    permissions: { contents: READ },
    timeout: zap.timeout,
    estimatedDuration: Duration.minutes(6),
  }, owner);
  addCheckout(actions, job);
  job.addStep({
    id: 'zap',
    name: `OWASP ZAP baseline against ${zap.url} (${zap.failOnWarnings ? 'a WARN or FAIL alert fails' : 'a FAIL alert fails'})`,
    uses: actions.ref('zaproxy/action-baseline'),
    with: {
      target: zap.url,
      docker_name: zap.image,
      cmd_options: `-c ${rulesPath}${zap.failOnWarnings ? '' : ' -I'}`,
      fail_action: 'true',
      allow_issue_writing: 'false',
      artifact_name: `${app.name}-zap-baseline-${zap.environment}`,
    },
  });
  job.addStep({
    id: 'zap-summary',
    name: 'ZAP alerts in the job summary (no report fails)',
    if: '${{ !cancelled() && steps.zap.outcome != \'skipped\' }}',
    env: { TARGET: zap.url },
    run: `bash ${dir}/zap-summary.sh`,
  });
  return job;
}
