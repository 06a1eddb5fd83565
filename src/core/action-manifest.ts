import { ACTION_PINS, ActionPinData } from './action-pins.generated';
import { PlatformPipelineError, show } from './errors';

/** One pinned action: the commit a release tag resolves to. */
export interface ActionPin {
  /** `owner/repo` or `owner/repo/path`, e.g. `actions/checkout`. */
  readonly uses: string;
  /** The release the commit stands for, e.g. `v7.0.1` (written as a comment beside the SHA). */
  readonly version: string;
  /** The full 40-hex commit SHA of that release. */
  readonly sha: string;
}

const SHA = /^[0-9a-f]{40}$/;

/**
 * The one list of third-party actions the generated workflows use, each pinned to a full commit SHA.
 * Generated from the reference data read from each action's own repository, shipped inside the package,
 * and overridable per app. Nothing else in the library names an action version.
 */
export class ActionManifest {
  /** The pins shipped with this release of the library. */
  public static bundled(): ActionManifest {
    return new ActionManifest();
  }

  private readonly overrides = new Map<string, ActionPin>();

  private constructor() {}

  /**
   * Pins `pin.uses` to another release (e.g. to adopt a security fix before the library ships it).
   * Only actions the library uses can be overridden.
   */
  public override(pin: ActionPin): void {
    const known = this.data(pin.uses);
    if (known.referenceByTag) {
      throw new PlatformPipelineError(`ActionManifest.override: ${show(pin.uses)} is a reusable workflow that must be referenced by its release tag, not a commit; set 'version' only`);
    }
    if (!SHA.test(pin.sha ?? '')) {
      throw new PlatformPipelineError(`ActionManifest.override: 'sha' of ${show(pin.uses)} must be a full 40-hex commit SHA, got ${show(pin.sha)}; use the commit the release tag resolves to (git rev-parse 'TAG^{commit}')`);
    }
    if (!/^v?\d+(\.\d+)*$/.test(pin.version ?? '')) {
      throw new PlatformPipelineError(`ActionManifest.override: 'version' of ${show(pin.uses)} must be a release such as 'v7.0.1', got ${show(pin.version)}`);
    }
    this.overrides.set(known.uses, { uses: known.uses, sha: pin.sha, version: pin.version });
  }

  /** The pin in effect for `uses`. */
  public pin(uses: string): ActionPin {
    const o = this.overrides.get(uses);
    if (o) return o;
    const d = this.data(uses);
    return { uses: d.uses, version: d.version, sha: d.sha };
  }

  /** The `uses:` reference, `owner/repo@<sha>` (or `@<tag>` for reusable workflows referenced by tag). */
  public ref(uses: string): string {
    const d = this.data(uses);
    const p = this.pin(uses);
    return d.referenceByTag ? `${d.uses}@${p.version}` : `${d.uses}@${p.sha}`;
  }

  /** Every pin in effect, sorted by `uses`. */
  public get pins(): ActionPin[] {
    return ACTION_PINS.map((a) => this.pin(a.uses));
  }

  /**
   * Problems with a step's `with:` keys for `uses`: keys that are not inputs of the action, and required
   * inputs (no default) that are missing.
   * @internal
   */
  public _inputProblems(uses: string, withKeys: string[]): string[] {
    const d = this.data(uses);
    const out: string[] = [];
    for (const k of withKeys) {
      if (!d.inputs.includes(k)) {
        out.push(`${show(k)} is not an input of ${d.uses} ${d.version}; its inputs are ${show([...d.inputs])}`);
      } else if (d.deprecatedInputs.includes(k)) {
        out.push(`${show(k)} is deprecated in ${d.uses} ${d.version}; drop it`);
      }
    }
    for (const r of d.requiredInputs) {
      if (!withKeys.includes(r)) out.push(`${d.uses} requires input ${show(r)}`);
    }
    return out;
  }

  /**
   * `owner/repo@sha` → `version` for every pin in effect, to annotate rendered workflows.
   * @internal
   */
  public _versionsBySha(): Map<string, string> {
    const m = new Map<string, string>();
    for (const p of this.pins) m.set(`${p.uses}@${p.sha}`, p.version);
    return m;
  }

  private data(uses: string): ActionPinData {
    const d = ACTION_PINS.find((a) => a.uses.toLowerCase() === String(uses).toLowerCase());
    if (!d) {
      throw new PlatformPipelineError(`ActionManifest: no pin for ${show(uses)}; the library pins only the actions it uses: ${ACTION_PINS.map((a) => a.uses).join(', ')}`);
    }
    return d;
  }
}
