import { github } from 'projen';
import { ActionManifest } from '../core/action-manifest';
import { PlatformPipelineError, show } from '../core/errors';
import { AWS_REGION, IAM_ROLE_ARN, secretNameProblem } from '../core/names';

/** OIDC access to an Amazon EKS cluster. */
export interface EksAccessProps {
  /** IAM role the workflow assumes through GitHub's OIDC provider, e.g. `arn:aws:iam::123456789012:role/deploy`. */
  readonly roleArn: string;
  /** EKS cluster name. */
  readonly clusterName: string;
  /** AWS region, e.g. `eu-west-1`. */
  readonly region: string;
}

/** OIDC access to a Google GKE cluster through Workload Identity Federation. */
export interface GkeAccessProps {
  /** Full provider resource name: `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>`. */
  readonly workloadIdentityProvider: string;
  /** Service account to impersonate, e.g. `deploy@acme-prod.iam.gserviceaccount.com`. */
  readonly serviceAccount: string;
  /** GKE cluster name. */
  readonly clusterName: string;
  /** Cluster location (region or zone), e.g. `europe-west1`. */
  readonly location: string;
  /** Google Cloud project id. */
  readonly projectId: string;
}

/** OIDC access to an Azure AKS cluster through a federated credential. */
export interface AksAccessProps {
  /** Client id of the app registration or managed identity with the federated credential. */
  readonly clientId: string;
  /** Microsoft Entra tenant id. */
  readonly tenantId: string;
  /** Subscription id of the cluster. */
  readonly subscriptionId: string;
  /** Resource group of the cluster. */
  readonly resourceGroup: string;
  /** AKS cluster name. */
  readonly clusterName: string;
}

/** A step a cluster-access mode adds to the deploy job, with the permissions it needs. @internal */
export interface AccessStep {
  readonly step: github.workflows.JobStep;
  readonly permissions?: github.workflows.JobPermissions;
}

/** Context in which access steps are rendered. @internal */
export interface AccessContext {
  readonly actions: ActionManifest;
  readonly appName: string;
  readonly environment: string;
}

type Kind = 'kubeconfig' | 'eks' | 'gke' | 'aks';
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * How a deploy job gets credentials for an environment's cluster: a kubeconfig kept in a GitHub secret,
 * or short-lived OIDC credentials for EKS, GKE or AKS. Never a long-lived cloud key in the workflow.
 */
export class ClusterAccess {
  /**
   * A kubeconfig stored in a GitHub (environment) secret. Prefer a kubeconfig whose user is a
   * namespaced service account token with only the rights the deploy needs.
   */
  public static kubeconfigSecret(secretName: string): ClusterAccess {
    const p = secretNameProblem('secretName', secretName);
    if (p) throw new PlatformPipelineError(`ClusterAccess.kubeconfigSecret: ${p}`);
    return new ClusterAccess('kubeconfig', { secretName });
  }

  /** Assume an IAM role with GitHub's OIDC token, then `aws eks update-kubeconfig`. */
  public static eks(props: EksAccessProps): ClusterAccess {
    const problems: string[] = [];
    if (!IAM_ROLE_ARN.test(props.roleArn ?? '')) {
      problems.push(`'roleArn' must be an IAM role ARN such as 'arn:aws:iam::123456789012:role/deploy', got ${show(props.roleArn)}`);
    }
    if (!AWS_REGION.test(props.region ?? '')) problems.push(`'region' must be an AWS region such as 'eu-west-1', got ${show(props.region)}`);
    if (!/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(props.clusterName ?? '')) problems.push(`'clusterName' must be an EKS cluster name, got ${show(props.clusterName)}`);
    if (problems.length) throw new PlatformPipelineError(`ClusterAccess.eks: ${problems.join('; ')}`);
    return new ClusterAccess('eks', { ...props });
  }

  /** Exchange GitHub's OIDC token through Workload Identity Federation, then `gcloud container clusters get-credentials`. */
  public static gke(props: GkeAccessProps): ClusterAccess {
    const problems: string[] = [];
    if (!/^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/.test(props.workloadIdentityProvider ?? '')) {
      problems.push(`'workloadIdentityProvider' must be 'projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>', got ${show(props.workloadIdentityProvider)}`);
    }
    if (!/^[a-z0-9-]+@[a-z0-9-]+\.iam\.gserviceaccount\.com$/.test(props.serviceAccount ?? '')) {
      problems.push(`'serviceAccount' must be a service-account email, got ${show(props.serviceAccount)}`);
    }
    if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(props.clusterName ?? '')) problems.push(`'clusterName' must be a GKE cluster name, got ${show(props.clusterName)}`);
    if (!/^[a-z]+-[a-z]+\d(-[a-z])?$/.test(props.location ?? '')) problems.push(`'location' must be a region or zone such as 'europe-west1', got ${show(props.location)}`);
    if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(props.projectId ?? '')) problems.push(`'projectId' must be a Google Cloud project id, got ${show(props.projectId)}`);
    if (problems.length) throw new PlatformPipelineError(`ClusterAccess.gke: ${problems.join('; ')}`);
    return new ClusterAccess('gke', { ...props });
  }

  /** Log in to Azure with GitHub's OIDC token (federated credential), then fetch the cluster's kubeconfig with an Entra access token. */
  public static aks(props: AksAccessProps): ClusterAccess {
    const problems: string[] = [];
    for (const k of ['clientId', 'tenantId', 'subscriptionId'] as const) {
      if (!UUID.test(props[k] ?? '')) problems.push(`'${k}' must be a GUID, got ${show(props[k])}`);
    }
    if (!/^[-\w._()]{1,90}$/.test(props.resourceGroup ?? '')) problems.push(`'resourceGroup' must be a resource group name, got ${show(props.resourceGroup)}`);
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(props.clusterName ?? '')) problems.push(`'clusterName' must be an AKS cluster name, got ${show(props.clusterName)}`);
    if (problems.length) throw new PlatformPipelineError(`ClusterAccess.aks: ${problems.join('; ')}`);
    return new ClusterAccess('aks', { ...props });
  }

  /** `kubeconfig`, `eks`, `gke` or `aks`. */
  public readonly kind: string;
  /** Whether the mode uses GitHub's OIDC token (the deploy job then needs `id-token: write`). */
  public readonly usesOidc: boolean;
  private readonly props: Record<string, string>;

  private constructor(kind: Kind, props: Record<string, string>) {
    this.kind = kind;
    this.props = props;
    this.usesOidc = kind !== 'kubeconfig';
  }

  /** Secrets the mode reads (for documentation and checks). */
  public get secrets(): string[] {
    return this.kind === 'kubeconfig' ? [this.props.secretName] : [];
  }

  /** The steps that leave a usable `KUBECONFIG` behind. @internal */
  public _steps(ctx: AccessContext): AccessStep[] {
    const oidc = { idToken: github.workflows.JobPermission.WRITE };
    switch (this.kind) {
      case 'kubeconfig':
        return [{
          step: {
            id: 'cluster-credentials',
            name: `Write the kubeconfig of ${ctx.environment}`,
            env: { KUBECONFIG_DATA: `\${{ secrets.${this.props.secretName} }}` },
            run: [
              'umask 077',
              'if [ -z "${KUBECONFIG_DATA}" ]; then',
              `  echo "::error::secret ${this.props.secretName} is empty or not available to this environment"`,
              '  exit 1',
              'fi',
              'printf \'%s\\n\' "${KUBECONFIG_DATA}" > "${RUNNER_TEMP}/kubeconfig"',
              'echo "KUBECONFIG=${RUNNER_TEMP}/kubeconfig" >> "${GITHUB_ENV}"',
            ].join('\n'),
          },
        }];
      case 'eks':
        return [
          {
            step: {
              id: 'aws-credentials',
              name: 'Assume the deploy role (OIDC)',
              uses: ctx.actions.ref('aws-actions/configure-aws-credentials'),
              with: {
                'role-to-assume': this.props.roleArn,
                'aws-region': this.props.region,
                'role-session-name': `${ctx.appName}-deploy-${ctx.environment}`.slice(0, 64),
              },
            },
            permissions: oidc,
          },
          {
            step: {
              id: 'cluster-credentials',
              name: 'Write the EKS kubeconfig',
              env: { CLUSTER_NAME: this.props.clusterName, CLUSTER_REGION: this.props.region },
              run: [
                'aws eks update-kubeconfig --name "${CLUSTER_NAME}" --region "${CLUSTER_REGION}" --kubeconfig "${RUNNER_TEMP}/kubeconfig"',
                'echo "KUBECONFIG=${RUNNER_TEMP}/kubeconfig" >> "${GITHUB_ENV}"',
              ].join('\n'),
            },
          },
        ];
      case 'gke':
        return [{
          step: {
            id: 'cluster-credentials',
            name: 'Get GKE credentials (Workload Identity Federation)',
            env: {
              WIF_PROVIDER: this.props.workloadIdentityProvider,
              SERVICE_ACCOUNT: this.props.serviceAccount,
              CLUSTER_NAME: this.props.clusterName,
              CLUSTER_LOCATION: this.props.location,
              PROJECT_ID: this.props.projectId,
            },
            run: [
              'umask 077',
              'curl -fsS -H "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" \\',
              '  "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=https://iam.googleapis.com/${WIF_PROVIDER}" | jq -r .value > "${RUNNER_TEMP}/oidc-token"',
              'gcloud iam workload-identity-pools create-cred-config "${WIF_PROVIDER}" \\',
              '  --service-account="${SERVICE_ACCOUNT}" --credential-source-file="${RUNNER_TEMP}/oidc-token" \\',
              '  --credential-source-type=text --output-file="${RUNNER_TEMP}/gcp-credentials.json"',
              'gcloud auth login --cred-file="${RUNNER_TEMP}/gcp-credentials.json" --quiet',
              'if ! command -v gke-gcloud-auth-plugin >/dev/null; then',
              '  sudo apt-get install -y --no-install-recommends google-cloud-cli-gke-gcloud-auth-plugin',
              'fi',
              'export KUBECONFIG="${RUNNER_TEMP}/kubeconfig"',
              'gcloud container clusters get-credentials "${CLUSTER_NAME}" --location "${CLUSTER_LOCATION}" --project "${PROJECT_ID}"',
              'echo "KUBECONFIG=${KUBECONFIG}" >> "${GITHUB_ENV}"',
            ].join('\n'),
          },
          permissions: oidc,
        }];
      default:
        return [{
          step: {
            id: 'cluster-credentials',
            name: 'Get AKS credentials (federated credential)',
            env: {
              AZURE_CLIENT_ID: this.props.clientId,
              AZURE_TENANT_ID: this.props.tenantId,
              AZURE_SUBSCRIPTION_ID: this.props.subscriptionId,
              RESOURCE_GROUP: this.props.resourceGroup,
              CLUSTER_NAME: this.props.clusterName,
            },
            run: [
              'umask 077',
              'oidc_token="$(curl -fsS -H "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN}" "${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange" | jq -r .value)"',
              'echo "::add-mask::${oidc_token}"',
              'az login --service-principal --username "${AZURE_CLIENT_ID}" --tenant "${AZURE_TENANT_ID}" --federated-token "${oidc_token}" --output none',
              'az account set --subscription "${AZURE_SUBSCRIPTION_ID}"',
              'export KUBECONFIG="${RUNNER_TEMP}/kubeconfig"',
              'az aks get-credentials --resource-group "${RESOURCE_GROUP}" --name "${CLUSTER_NAME}" --file "${KUBECONFIG}" --overwrite-existing',
              '# Entra ID token for the AKS server application, so no kubelogin download is needed',
              'aks_token="$(az account get-access-token --resource 6dae42f8-4368-4678-94ff-3960e28e3630 --query accessToken --output tsv)"',
              'echo "::add-mask::${aks_token}"',
              'aks_user="$(kubectl config view --minify --output "jsonpath={.contexts[0].context.user}")"',
              'kubectl config unset "users.${aks_user}.exec" >/dev/null',
              'kubectl config set-credentials "${aks_user}" --token="${aks_token}" >/dev/null',
              'echo "KUBECONFIG=${KUBECONFIG}" >> "${GITHUB_ENV}"',
            ].join('\n'),
          },
          permissions: oidc,
        }];
    }
  }
}
