import { Construct } from 'constructs';
import { ReleasePath } from './release-path';
import { PlatformPipelineError, ProblemList, show } from '../core/errors';
import { secretNameProblem } from '../core/names';
import { DeploySlot } from '../pipeline/pipeline-job';
import { lastEnvironment, undeclaredEnvironment } from '../platform/environments';
import { appOf } from '../platform/platform-app-contract';

/** ServiceNow change requests through the Table API (`POST /api/now/table/change_request`). */
export interface ServiceNowChangeOptions {
  /** GitHub secret holding the instance URL, e.g. `https://acme.service-now.com`. */
  readonly instanceUrlSecret: string;
  /** GitHub secret holding an OAuth access token of an integration user allowed to create changes. */
  readonly tokenSecret: string;
  /**
   * Assignment group (name or sys_id) of the change.
   * @default - ServiceNow's default
   */
  readonly assignmentGroup?: string;
}

/** Jira change issues through the REST API (`POST /rest/api/2/issue`). */
export interface JiraChangeOptions {
  /** GitHub secret holding the site URL, e.g. `https://acme.atlassian.net`. */
  readonly siteUrlSecret: string;
  /** GitHub secret holding an API token (Jira Cloud, with `userSecret`) or a personal access token (Data Center). */
  readonly tokenSecret: string;
  /**
   * GitHub secret holding the account e-mail for Jira Cloud basic authentication.
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
}

/** The change-management system a change request goes to. */
export class ChangeSystem {
  /** ServiceNow. */
  public static serviceNow(options: ServiceNowChangeOptions): ChangeSystem {
    const problems = [secretNameProblem('instanceUrlSecret', options.instanceUrlSecret), secretNameProblem('tokenSecret', options.tokenSecret)].filter((p) => p);
    if (problems.length > 0) throw new PlatformPipelineError(`ChangeSystem.serviceNow: ${problems.join('; ')}`);
    return new ChangeSystem('servicenow', { ...options });
  }

  /** Jira (Cloud or Data Center). */
  public static jira(options: JiraChangeOptions): ChangeSystem {
    const problems = [secretNameProblem('siteUrlSecret', options.siteUrlSecret), secretNameProblem('tokenSecret', options.tokenSecret),
      options.userSecret !== undefined ? secretNameProblem('userSecret', options.userSecret) : undefined].filter((p) => p);
    if (typeof options.projectKey !== 'string' || !/^[A-Z][A-Z0-9_]{1,9}$/.test(options.projectKey)) {
      problems.push(`'projectKey' must be a Jira project key such as 'CHG', got ${show(options.projectKey)}`);
    }
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

  /** The secrets the step reads. */
  public get secrets(): string[] {
    const o = this.options;
    return this.kind === 'jira' ? [o.siteUrlSecret, o.tokenSecret, ...(o.userSecret ? [o.userSecret] : [])] : [o.instanceUrlSecret, o.tokenSecret];
  }

  /** The step's env and the request lines of its script. @internal */
  public _request(): { env: Record<string, string>; lines: string[] } {
    const o = this.options;
    const secret = (n: string) => `\${{ secrets.${n} }}`;
    if (this.kind === 'jira') {
      return {
        env: {
          CHANGE_URL: secret(o.siteUrlSecret),
          CHANGE_TOKEN: secret(o.tokenSecret),
          ...(o.userSecret ? { CHANGE_USER: secret(o.userSecret) } : {}),
          JIRA_PROJECT: o.projectKey,
          JIRA_ISSUE_TYPE: o.issueType ?? 'Change',
        },
        lines: [
          o.userSecret
            ? 'printf \'Authorization: Basic %s\\n\' "$(printf \'%s:%s\' "${CHANGE_USER}" "${CHANGE_TOKEN}" | base64 -w0)" > "${header}"'
            : 'printf \'Authorization: Bearer %s\\n\' "${CHANGE_TOKEN}" > "${header}"',
          'body="$(jq -n --arg project "${JIRA_PROJECT}" --arg type "${JIRA_ISSUE_TYPE}" --arg summary "${summary}" --arg description "${description}" \\',
          '  --arg app "${APP}" --arg env "${ENVIRONMENT}" \\',
          '  \'{fields: {project: {key: $project}, issuetype: {name: $type}, summary: $summary, description: $description, labels: ["deploy", $app, $env]}}\')"',
          'endpoint="${CHANGE_URL%/}/rest/api/2/issue"',
          'id_filter=\'.key // empty\'',
          'link_prefix="${CHANGE_URL%/}/browse/"',
        ],
      };
    }
    return {
      env: {
        CHANGE_URL: secret(o.instanceUrlSecret),
        CHANGE_TOKEN: secret(o.tokenSecret),
        ...(o.assignmentGroup ? { SNOW_ASSIGNMENT_GROUP: o.assignmentGroup } : {}),
      },
      lines: [
        'printf \'Authorization: Bearer %s\\n\' "${CHANGE_TOKEN}" > "${header}"',
        'body="$(jq -n --arg summary "${summary}" --arg description "${description}" --arg group "${SNOW_ASSIGNMENT_GROUP:-}" \\',
        '  \'{type: "normal", category: "Software", short_description: $summary, description: $description} + (if $group == "" then {} else {assignment_group: $group} end)\')"',
        'endpoint="${CHANGE_URL%/}/api/now/table/change_request"',
        'id_filter=\'.result.number // empty\'',
        'link_prefix="${CHANGE_URL%/}/nav_to.do?uri=change_request.do?sysparm_query=number="',
      ],
    };
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
}

/**
 * Opens a change in ServiceNow or Jira before the deploy job of each chosen environment changes anything:
 * the payload names the image digest, the commit and the workflow run (with the SBOM and scan results as
 * its artifacts). URL and token come from (environment) secrets through `env:`. The change's id becomes the
 * step output `id`, the deploy job's output `change-id`, and a line of the deployment report. A change
 * that cannot be opened fails the job before the deploy.
 */
export class ChangeRequest extends Construct {
  /** The environments that open a change. */
  public readonly environments: string[];

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
    const request = props.system._request();
    const image = app.image.repository;
    for (const e of envs) {
      ReleasePath.of(app)._configure(e, {
        changeRequest: {
          slot: DeploySlot.PRE_DEPLOY,
          step: {
            id: 'change-request',
            name: `Open a change request (${props.system.kind === 'jira' ? 'Jira' : 'ServiceNow'})`,
            env: { ...request.env, IMAGE_REPOSITORY: image },
            run: [
              'if [ -z "${CHANGE_URL}" ] || [ -z "${CHANGE_TOKEN}" ]; then',
              `  echo "::error::the change request needs the secrets ${props.system.secrets.join(', ')} (set them on the ${e} environment)"`,
              '  exit 1',
              'fi',
              'run_url="${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}"',
              'summary="Deploy ${APP} ${GITHUB_SHA:0:12} to ${ENVIRONMENT}"',
              'description="$(printf \'%s\\n\' \\',
              '  "Application: ${APP}" \\',
              '  "Environment: ${ENVIRONMENT} (namespace ${NAMESPACE})" \\',
              '  "Image: ${IMAGE_REPOSITORY}@${IMAGE_DIGEST}" \\',
              '  "Commit: ${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/commit/${GITHUB_SHA}" \\',
              '  "Workflow run (SBOM, scan results and reports as artifacts): ${run_url}")"',
              'header="$(mktemp)"',
              'trap \'rm -f "${header}"\' EXIT',
              ...request.lines,
              'response="$(curl --fail --silent --show-error --max-time 30 --header "Content-Type: application/json" --header "Accept: application/json" \\',
              '  --header "@${header}" --data-binary "${body}" "${endpoint}")"',
              'change_id="$(jq -r "${id_filter}" <<< "${response}")"',
              'if [ -z "${change_id}" ]; then',
              '  echo "::error::the change system answered without an id"',
              '  exit 1',
              'fi',
              'echo "id=${change_id}" >> "${GITHUB_OUTPUT}"',
              'echo "url=${link_prefix}${change_id}" >> "${GITHUB_OUTPUT}"',
              'echo "::notice::opened change ${change_id}: ${link_prefix}${change_id}"',
            ].join('\n'),
          },
        },
      });
      ReleasePath.of(app).deployJob(e).addOutput('change-id', 'change-request', 'id');
    }
  }
}
