import type { IPlatformApp } from './platform-app-contract';
import { show } from '../core/errors';
import type { Environment } from '../model/environment';

/**
 * The app's last environment in promotion order (production, usually): the default home of what exists
 * once per app (the pipeline alerts, the dashboards, change requests).
 */
export function lastEnvironment(app: IPlatformApp): Environment {
  return app.environments[app.environments.length - 1];
}

/**
 * The problem with prop `prop` naming environment `name`, or undefined when the app declares it:
 * "'environments' names 'qa', which the app does not declare; environments are ['staging', 'production']".
 */
export function undeclaredEnvironment(app: IPlatformApp, prop: string, name: string): string | undefined {
  if (app.environments.some((e) => e.name === name)) return undefined;
  return `'${prop}' names ${show(name)}, which the app does not declare; environments are ${show(app.environments.map((e) => e.name))}`;
}
