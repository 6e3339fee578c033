// The contract between the main process, the preload bridge and the renderer: what `window.forklab` carries.

/** Versions of the runtimes the desktop app runs on, as reported by `process.versions` in the preload. */
export interface RuntimeVersions {
  node: string;
  chrome: string;
  electron: string;
}

/** The one object the preload exposes on `window` under the name {@link BRIDGE_KEY}. */
export interface ForklabBridge {
  versions: RuntimeVersions;
}

/** The property name of the bridge on `window`. */
export const BRIDGE_KEY = 'forklab';
