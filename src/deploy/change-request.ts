import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ApprovalWait, ChangeSystemScript, closeChangeStep, openChangeStep } from './private/change-request-steps';
import { ReleasePath } from './release-path';
import { PlatformPipelineError, ProblemList, show } from '../core/errors';
import { secretNameProblem } from '../core/names';
import { DeploySlot } from '../pipeline/pipeline-job';
import { lastEnvironment, undeclaredEnvironment } from '../platform/environments';
import { appOf } from '../platform/platform-app-contract';

/** ServiceNow change requests through the Table API (`/api/now/table/change_request`). */
export interface ServiceNowChangeOptions {
  /** GitHub secret holding the instance URL, e.g. `https://acme.service-now.com`. */
  readonly instanceUrlSecret: string;
  /**
   * GitHub secret holding an OAuth access token of an integration user allowed to read, create and update
   * changes (`change_request`), including moving them to Closed (3) and Canceled (4).
   */
  readonly tokenSecret: string;
  /**
   * Assignment group (name or sys_id) of the change.
   * @default - none in the request (ServiceNow's assignment rules decide)
   */
  readonly assignmentGroup?: string;
}

/**
 * Jira change issues through the REST API (`/rest/api/2/issue`). The status names default to Jira Service
 * Management's change workflow; the close moves the issue through a transition to the outcome's status,
 * which the workflow must offer from the issue's status at that point.
 */
export interface JiraChangeOptions {
  /** GitHub secret holding the site URL, e.g. `https://acme.atlassian.net`. */
  readonly siteUrlSecret: string;
  /** GitHub secret holding an API token (Jira Cloud, with `userSecret`) or a personal access token (Data Center). */
  readonly tokenSecret: string;
  /**
   * GitHub secret holding the account e-mail for Jira Cloud basic authentication. It also selects Jira
   * Cloud's search endpoint (`/rest/api/2/search/jql`) over Data Center's (`/rest/api/2/search`).
   * @default - bearer authentication with the token (Jira Data Center personal access token)
   */
  readonly userSecret?: string;
  /** Key of the project the change issue is created in, e.g. `CHG`. */
  readonly projectKey: string;
  /**
   * Issue type of the change.
   * @default 'Change'
   */
  readonly issueType?: string;
  /**
   * Statuses meaning the change is approved, when the deploy waits for its approval.
   * @default ['Awaiting implementation', 'Implementing']
   */
  readonly approvedStatuses?: string[];
  /**
   * Statuses meaning the change is rejected, when the deploy waits for its approval.
   * @default ['Declined', 'Canceled']
   */
  readonly rejectedStatuses?: string[];
  /**
   * Status a change moves to after a successful deploy.
   * @default 'Completed'
   */
  readonly doneStatus?: string;
  /**
   * Status a change moves to after a failed or rolled-back deploy.
   * @default 'Failed'
   */
  readonly failedStatus?: string;
  /**
   * Status a change moves to when nothing was deployed (rejected, cancelled, stopped before the deploy).
   * @default 'Canceled'
   */
  readonly canceledStatus?: string;
}

/** The change-management system a change request goes to. */
export class ChangeSystem {
  /** ServiceNow. */
  public static serviceNow(options: ServiceNowChangeOptions): ChangeSystem {
    const problems = [secretNameProblem('instanceUrlSecret', options.instanceUrlSecret), secretNameProblem('tokenSecret', options.tokenSecret)].filter((p) => p) as string[];
    if (options.assignmentGroup !== undefined && (typeof options.assignmentGroup !== 'string' || options.assignmentGroup.trim() === '')) {
      problems.push(`'assignmentGroup' must be a group name or sys_id, got ${show(options.assignmentGroup)}`);
    }
    if (problems.length > 0) throw new PlatformPipelineError(`ChangeSystem.serviceNow: ${problems.join('; ')}`);
    return new ChangeSystem('servicenow', { ...options });
  }

  /** Jira (Cloud or Data Center). */
  public static jira(options: JiraChangeOptions): ChangeSystem {
    const problems = [secretNameProblem('siteUrlSecret', options.siteUrlSecret), secretNameProblem('tokenSecret', options.tokenSecret),
      options.userSecret !== undefined ? secretNameProblem('userSecret', options.userSecret) : undefined].filter((p) => p) as string[];
    if (typeof options.projectKey !== 'string' || !/^[A-Z][A-Z0-9_]{1,9}$/.test(options.projectKey)) {
      problems.push(`'projectKey' must be a Jira project key such as 'CHG', got ${show(options.projectKey)}`);
    }
    const statusList = (prop: string, v: string[] | undefined) => {
      if (v !== undefined && (!Array.isArray(v) || v.length === 0 || v.some((s) => typeof s !== 'string' || s.trim() === ''))) {
        problems.push(`'${prop}' must list one or more status names, got ${show(v)}`);
      }
    };
    statusList('approvedStatuses', options.approvedStatuses);
    statusList('rejectedStatuses', options.rejectedStatuses);
    for (const k of ['doneStatus', 'failedStatus', 'canceledStatus'] as const) {
      const v = options[k];
      if (v !== undefined && (typeof v !== 'string' || v.trim() === '')) problems.push(`'${k}' must be a status name, got ${show(v)}`);
    }
    const both = (options.approvedStatuses ?? []).filter((s) => (options.rejectedStatuses ?? []).includes(s));
    if (both.length > 0) problems.push(`'approvedStatuses' and 'rejectedStatuses' both list ${show(both)}; a status means one or the other`);
    if (problems.length > 0) throw new PlatformPipelineError(`ChangeSystem.jira: ${problems.join('; ')}`);
    return new ChangeSystem('jira', { ...options });
  }

  /** `servicenow` or `jira`. */
  public readonly kind: string;
  private readonly options: any;

  private constructor(kind: string, options: any) {
    this.kind = kind;
    this.options = options;
  }

  /** The secrets the steps read. */
  public get secrets(): string[] {
    const o = this.options;
    return this.kind === 'jira' ? [o.siteUrlSecret, o.tokenSecret, ...(o.userSecret ? [o.userSecret] : [])] : [o.instanceUrlSecret, o.tokenSecret];
  }

  /** How the steps speak to the system. @internal */
  public _script(): ChangeSystemScript {
    return this.kind === 'jira' ? this.jiraScript() : this.serviceNowScript();
  }

  private serviceNowScript(): ChangeSystemScript {
    const o: ServiceNowChangeOptions = this.options;
    const secret = (n: string) => `\${{ secrets.${n} }}`;
    const group = o.assignmentGroup !== undefined;
    return {
      title: 'ServiceNow',
      secrets: this.secrets,
      env: {
        CHANGE_URL: secret(o.instanceUrlSecret),
        CHANGE_TOKEN: secret(o.tokenSecret),
        ...(group ? { SNOW_ASSIGNMENT_GROUP: o.assignmentGroup! } : {}),
      },
      required: ['CHANGE_URL', 'CHANGE_TOKEN'],
      auth: 'printf \'Authorization: Bearer %s\\n\' "${CHANGE_TOKEN}" > "${header}"',
      common: [
        'table="${CHANGE_URL%/}/api/now/table/change_request"',
        'cr_link() {',
        '  printf \'%s\' "${CHANGE_URL%/}/nav_to.do?uri=change_request.do?sys_id=${ref}"',
        '}',
      ],
      open: [
        'cr_find() {',
        '  api --get --data-urlencode "sysparm_query=correlation_id=${correlation}^active=true^ORDERBYDESCsys_created_on" \\',
        '    --data-urlencode "sysparm_fields=sys_id,number" --data-urlencode "sysparm_limit=1" "${table}" \\',
        '    | jq -r \'if (.result | type) == "array" then (.result[0] // empty | "\\(.sys_id) \\(.number)") else error("not a Table API answer") end\'',
        '}',
        'cr_create() {',
        '  local body',
        `  body="$(jq -n --arg summary "\${summary}" --arg description "\${description}" --arg correlation "\${correlation}"${group ? ' --arg group "${SNOW_ASSIGNMENT_GROUP}"' : ''} \\`,
        `    '{type: "normal", category: "Software", short_description: $summary, description: $description, correlation_id: $correlation, correlation_display: "platform-pipeline"}${group ? ' + {assignment_group: $group}' : ''}')" || return 1`,
        '  api --header "Content-Type: application/json" --data-binary "${body}" "${table}" \\',
        '    | jq -r \'.result | "\\(.sys_id // "") \\(.number // "")"\'',
        '}',
        'cr_approval() {',
        '  api --get --data-urlencode "sysparm_fields=approval,state" "${table}/${ref}" \\',
        '    | jq -r \'.result | if .approval == "approved" then "approved" elif .approval == "rejected" or .state == "4" then "rejected" elif .approval == null then "unreadable" else "pending" end\'',
        '}',
      ],
      close: [
        '# successful/unsuccessful: Closed (3) with that close code; canceled: Canceled (4); open: a work note',
        'cr_close() {',
        '  local body',
        '  case "$1" in',
        '    successful | unsuccessful) body="$(jq -n --arg code "$1" --arg notes "$2" \'{state: "3", close_code: $code, close_notes: $notes}\')" || return 1 ;;',
        '    canceled) body="$(jq -n --arg notes "$2" \'{state: "4", close_notes: $notes}\')" || return 1 ;;',
        '    *) body="$(jq -n --arg notes "$2" \'{work_notes: $notes}\')" || return 1 ;;',
        '  esac',
        '  api --request PATCH --header "Content-Type: application/json" --data-binary "${body}" "${table}/${ref}" > /dev/null',
        '}',
      ],
    };
  }

  private jiraScript(): ChangeSystemScript {
    const o: JiraChangeOptions = this.options;
    const secret = (n: string) => `\${{ secrets.${n} }}`;
    const cloud = o.userSecret !== undefined;
    return {
      title: 'Jira',
      secrets: this.secrets,
      env: {
        CHANGE_URL: secret(o.siteUrlSecret),
        CHANGE_TOKEN: secret(o.tokenSecret),
        ...(cloud ? { CHANGE_USER: secret(o.userSecret!) } : {}),
        JIRA_PROJECT: o.projectKey,
        JIRA_ISSUE_TYPE: o.issueType ?? 'Change',
        JIRA_APPROVED_STATUSES: JSON.stringify(o.approvedStatuses ?? ['Awaiting implementation', 'Implementing']),
        JIRA_REJECTED_STATUSES: JSON.stringify(o.rejectedStatuses ?? ['Declined', 'Canceled']),
        JIRA_DONE_STATUS: o.doneStatus ?? 'Completed',
        JIRA_FAILED_STATUS: o.failedStatus ?? 'Failed',
        JIRA_CANCELED_STATUS: o.canceledStatus ?? 'Canceled',
      },
      required: ['CHANGE_URL', 'CHANGE_TOKEN', ...(cloud ? ['CHANGE_USER'] : [])],
      auth: cloud
        ? 'printf \'Authorization: Basic %s\\n\' "$(printf \'%s:%s\' "${CHANGE_USER}" "${CHANGE_TOKEN}" | base64 -w0)" > "${header}"'
        : 'printf \'Authorization: Bearer %s\\n\' "${CHANGE_TOKEN}" > "${header}"',
      common: [
        'issue_api="${CHANGE_URL%/}/rest/api/2/issue"',
        'cr_link() {',
        '  printf \'%s\' "${CHANGE_URL%/}/browse/${ref}"',
        '}',
      ],
      open: [
        '# the open change of this run and environment: labelled with the correlation id, not in a Done status',
        'cr_find() {',
        '  local jql="project = \\"${JIRA_PROJECT}\\" AND labels = \\"${correlation}\\" AND statusCategory != Done ORDER BY created DESC"',
        `  api --get --data-urlencode "jql=\${jql}" --data-urlencode "fields=status" --data-urlencode "maxResults=1" "\${CHANGE_URL%/}/rest/api/2/${cloud ? 'search/jql' : 'search'}" \\`,
        '    | jq -r \'if (.issues | type) == "array" then (.issues[0].key // empty | "\\(.) \\(.)") else error("not a Jira search answer") end\'',
        '}',
        'cr_create() {',
        '  local body',
        '  body="$(jq -n --arg project "${JIRA_PROJECT}" --arg type "${JIRA_ISSUE_TYPE}" --arg summary "${summary}" --arg description "${description}" \\',
        '    --arg app "${APP}" --arg env "${ENVIRONMENT}" --arg correlation "${correlation}" \\',
        '    \'{fields: {project: {key: $project}, issuetype: {name: $type}, summary: $summary, description: $description, labels: ["deploy", $app, $env, $correlation]}}\')" || return 1',
        '  api --header "Content-Type: application/json" --data-binary "${body}" "${issue_api}" | jq -r \'.key // "" | "\\(.) \\(.)"\'',
        '}',
        'cr_approval() {',
        '  api --get --data-urlencode "fields=status" "${issue_api}/${ref}" \\',
        '    | jq -r --argjson approved "${JIRA_APPROVED_STATUSES}" --argjson rejected "${JIRA_REJECTED_STATUSES}" \\',
        '      \'.fields.status.name as $s | if $s == null then "unreadable" elif any($approved[]; . == $s) then "approved" elif any($rejected[]; . == $s) then "rejected" else "pending" end\'',
        '}',
      ],
      close: [
        '# a comment with the outcome, then the transition to the outcome\'s status (none for open)',
        'cr_close() {',
        '  local status body transition',
        '  case "$1" in',
        '    successful) status="${JIRA_DONE_STATUS}" ;;',
        '    unsuccessful) status="${JIRA_FAILED_STATUS}" ;;',
        '    canceled) status="${JIRA_CANCELED_STATUS}" ;;',
        '    *) status="" ;;',
        '  esac',
        '  body="$(jq -n --arg notes "$2" \'{body: $notes}\')" || return 1',
        '  api --header "Content-Type: application/json" --data-binary "${body}" "${issue_api}/${ref}/comment" > /dev/null || return 1',
        '  [ -n "${status}" ] || return 0',
        '  transition="$(api --get "${issue_api}/${ref}/transitions" | jq -r --arg status "${status}" \'first(.transitions[]? | select(.to.name == $status) | .id) // empty\')" || return 1',
        '  if [ -z "${transition}" ]; then',
        '    echo "::error::Jira offers no transition of ${ref} to \'${status}\' from its current status; name a status its workflow reaches (doneStatus, failedStatus, canceledStatus)"',
        '    return 1',
        '  fi',
        '  body="$(jq -n --arg id "${transition}" \'{transition: {id: $id}}\')" || return 1',
        '  api --header "Content-Type: application/json" --data-binary "${body}" "${issue_api}/${ref}/transitions" > /dev/null',
        '}',
      ],
    };
  }
}

/** Options of waiting for a change's approval. */
export interface ChangeApprovalWaitOptions {
  /**
   * How long the deploy waits for the approval before it fails (the change then stays open, and a re-run of
   * the deploy job once it is approved reuses it). From 1 to 15 minutes: the wait runs inside the deploy
   * job, on its runner and within its timeout, so it suits automated change policies; a board that decides
   * in hours approves between the failed run and its re-run.
   */
  readonly timeout: Duration;
  /**
   * Time between two polls of the change's approval.
   * @default Duration.seconds(30)
   */
  readonly pollInterval?: Duration;
}

/** Whether a deploy waits for its change's approval. */
export class ChangeApproval {
  /** The change is a record: the deploy proceeds as soon as the change is open. */
  public static none(): ChangeApproval {
    return new ChangeApproval(undefined, undefined);
  }

  /**
   * The deploy polls the change until it is approved (then deploys), rejected (then fails, nothing
   * deployed) or the timeout passes (then fails, nothing deployed, the change stays open).
   */
  public static waitFor(options: ChangeApprovalWaitOptions): ChangeApproval {
    const problems: string[] = [];
    const timeout = options?.timeout;
    const interval = options?.pollInterval ?? Duration.seconds(30);
    if (!timeout || typeof timeout.toSeconds !== 'function' || timeout.toSeconds() < 60 || timeout.toSeconds() > 15 * 60) {
      problems.push(`'timeout' must be from 1 to 15 minutes, got ${timeout && typeof timeout.toHumanString === 'function' ? timeout.toHumanString() : show(timeout)}; a longer wait belongs between a failed run and its re-run, which reuses the change`);
    }
    if (typeof interval.toSeconds !== 'function' || !Number.isInteger(interval.toSeconds()) || interval.toSeconds() < 10 || (problems.length === 0 && interval.toSeconds() > timeout.toSeconds())) {
      problems.push(`'pollInterval' must be whole seconds from 10 seconds to the timeout, got ${typeof interval.toHumanString === 'function' ? interval.toHumanString() : show(interval)}`);
    }
    if (problems.length > 0) throw new PlatformPipelineError(`ChangeApproval.waitFor: ${problems.join('; ')}`);
    return new ChangeApproval(timeout, interval);
  }

  /** How long the deploy waits, if it waits. */
  public readonly timeout?: Duration;
  /** Time between two polls, if the deploy waits. */
  public readonly pollInterval?: Duration;

  private constructor(timeout: Duration | undefined, pollInterval: Duration | undefined) {
    this.timeout = timeout;
    this.pollInterval = pollInterval;
  }

  /** @internal */
  public _wait(): ApprovalWait | undefined {
    if (!this.timeout || !this.pollInterval) return undefined;
    const interval = this.pollInterval.toSeconds();
    return { attempts: Math.floor(this.timeout.toSeconds() / interval) + 1, intervalSeconds: interval, timeoutText: this.timeout.toHumanString() };
  }
}

/** Properties of `ChangeRequest`. */
export interface ChangeRequestProps {
  /** Where the change is opened. */
  readonly system: ChangeSystem;
  /**
   * The environments whose deploys open a change.
   * @default - the last environment of the promotion order (production)
   */
  readonly environments?: string[];
  /**
   * Whether the deploy waits for the change's approval before it changes anything.
   * @default ChangeApproval.none()
   */
  readonly approval?: ChangeApproval;
}

/**
 * A change in ServiceNow or Jira for each deploy of the chosen environments, from open to close:
 * - the `change-request` step (pre-deploy, before the deploy job changes anything) finds the change of this
 *   workflow run and environment by its correlation id (`github-run-<run id>-<app>-<environment>`:
 *   ServiceNow's `correlation_id`, a Jira label) or opens one, so a re-run reuses it instead of opening a
 *   duplicate; with `ChangeApproval.waitFor(...)` it then polls the approval a bounded number of times and
 *   fails closed when the change is rejected or the approval does not come in time;
 * - the `change-close` step (post-deploy, `if: always()`: after a failure, a rollback or a cancellation
 *   too) records the outcome: successful, unsuccessful (failed or rolled back, naming the failed steps),
 *   canceled (nothing deployed), or a note when the change stays open (the approval timed out; the rollout
 *   waits at a promotion gate).
 * The payload names the image digest, the commit and the workflow run (with the SBOM and scan results as
 * its artifacts). URL and token come from (environment or repository) secrets through `env:`; every
 * variable the scripts read is set on the step or by the deploy job. The change's id becomes the step
 * output `id`, the deploy job's outputs `change-id` (and `change-ref`, what the API addresses), and a line
 * of the deployment report.
 */
export class ChangeRequest extends Construct {
  /** The environments that open a change. */
  public readonly environments: string[];
  /** Whether the deploys wait for the change's approval. */
  public readonly approval: ChangeApproval;

  constructor(scope: Construct, id: string, props: ChangeRequestProps) {
    super(scope, id);
    const app = appOf(this);
    const problems = new ProblemList(this);
    if (!props || !props.system) problems.add("'system' is required: ChangeSystem.serviceNow({...}) or ChangeSystem.jira({...})");
    problems.throwIfAny();
    const envs = props.environments ?? [lastEnvironment(app).name];
    for (const e of envs) {
      const undeclared = undeclaredEnvironment(app, 'environments', e);
      if (undeclared) problems.add(undeclared);
      else if (ReleasePath.of(app)._delivery(e)?.changeRequest) problems.add(`environment ${show(e)} already opens a change request; declare one ChangeRequest per environment`);
    }
    problems.throwIfAny();
    this.environments = envs;
    this.approval = props.approval ?? ChangeApproval.none();
    const system = props.system._script();
    const wait = this.approval._wait();
    const image = app.image.repository;
    for (const e of envs) {
      const release = ReleasePath.of(app);
      release._configure(e, {
        changeRequest: { slot: DeploySlot.PRE_DEPLOY, step: openChangeStep(system, image, wait) },
        // promotion jobs and the clean-up record the outcome once the rollout finishes, or did not
        closeChange: (c) => ({
          slot: DeploySlot.POST_DEPLOY,
          step: closeChangeStep(system, { ref: c.ref, id: c.id, approval: '', openOutcome: '', approvalTimeout: '', imageRepository: image, abandoned: c.abandoned, unlessFinalIn: c.unlessFinalIn }),
        }),
      });
      const job = release.deployJob(e);
      job.addStep(closeChangeStep(system, {
        ref: '${{ steps.change-request.outputs.ref }}',
        id: '${{ steps.change-request.outputs.id }}',
        approval: '${{ steps.change-request.outputs.approval }}',
        openOutcome: '${{ steps.change-request.outcome }}',
        approvalTimeout: wait?.timeoutText ?? '',
        imageRepository: image,
      }), { slot: DeploySlot.POST_DEPLOY });
      job.addOutput('change-id', 'change-request', 'id');
      job.addOutput('change-ref', 'change-request', 'ref');
    }
  }
}
