/**
 * What the actions we pin write, as later steps see it: the artifacts they upload, the names of the files
 * inside, and where a download puts them. Read from each action's source at the pinned release (not its
 * README); the generators derive file paths from here, and the script harness and the data-flow check in
 * test/harness follow the same rules. Update an entry with its pin when an action changes its behaviour.
 * @internal
 */
export const ACTION_FILES = {
  /**
   * anchore/sbom-action v0.24.0, src/github/SyftGithubAction.ts `uploadSbomArtifact()`:
   * `fileName = getArtifactName()` (the `artifact-name` input), the SBOM is written to `<temp>/<fileName>`,
   * copied to `output-file` when given, and uploaded as the artifact `<fileName>` holding that one file.
   */
  sbomAction: {
    /** The name of the one file inside the artifact the action uploads. */
    fileInArtifact: (artifactName: string): string => artifactName,
  },
  /**
   * actions/upload-artifact v7.0.0 (`@actions/artifact` upload): the files keep their paths relative to the
   * least common ancestor of the search paths (a single directory path uploads its contents).
   */
  uploadArtifact: {},
  /**
   * actions/download-artifact v8.0.1, src/download-artifact.ts: `name` → into `path`; `pattern` (or no name)
   * → into `path/<artifact name>/`, or straight into `path` with `merge-multiple: true`.
   */
  /**
   * zaproxy/action-baseline v0.15.0, index.js: ZAP runs in Docker with the workspace mounted as `/zap/wrk` and
   * writes `report_json.json`, `report_md.md` and `report_html.html` there (the workspace root); with
   * `allow_issue_writing: false`, @zaproxy/actions-common-scans `processReport()` uploads the three as the
   * artifact `artifact_name` and returns, leaving them in place. `rules_file_name` reaches ZAP (`-c`) only when
   * the file has an IGNORE line (`processLineByLine()` collects only those); `cmd_options` is appended as is.
   */
  zapBaseline: {
    /** ZAP's JSON report, in the workspace root after the step. */
    jsonReport: 'report_json.json',
  },
  downloadArtifact: {
    /** Where a file of the artifact lands when downloaded by `name`. */
    byName: (dest: string, file: string): string => `${dest}/${file}`,
    /** Where a file of artifact `artifact` lands when downloaded by pattern. */
    byPattern: (dest: string, artifact: string, file: string, mergeMultiple: boolean): string =>
      mergeMultiple ? `${dest}/${file}` : `${dest}/${artifact}/${file}`,
  },
};

/**
 * Outputs an action sets beyond the ones its action.yml declares (action-pins.generated.ts lists those): names
 * that depend on the inputs. Read from each action's source at the pinned release.
 * @internal
 */
export const ACTION_DYNAMIC_OUTPUTS = {
  /**
   * dorny/paths-filter v4.0.2, src/main.ts exportResults(): core.setOutput(key, value) per filter, then
   * `<key>_count`, and `<key>_files` only when `list-files` is not `none` (its default); `changes` (the one output
   * action.yml declares) unless a filter is itself named `changes`. The filter names are the top-level keys of
   * the `filters` YAML.
   */
  pathsFilter: {
    uses: 'dorny/paths-filter',
    /** The outputs one filter sets, given the `list-files` input (empty when not given). */
    outputsOfFilter: (filter: string, listFiles: string): string[] =>
      [filter, `${filter}_count`, ...((listFiles || 'none').toLowerCase() === 'none' ? [] : [`${filter}_files`])],
  },
};
