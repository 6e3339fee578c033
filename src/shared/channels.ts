// Where the renderer meets the engine: the bridge's name on \`window\`, the IPC channels and the WebSocket path. Apart
// from api.ts so the renderer and the preload import them without the contract's runtime schemas (zod and every
// method's schema would otherwise load, and be built, with the first screen).

/** The property name of the bridge on \`window\`. */
export const BRIDGE_KEY = 'forklab';
/** IPC channel names the preload and the main process share. */
export const IPC_CALL = 'forklab:call';
export const IPC_EVENT = 'forklab:event';

/** The headless server's WebSocket path. */
export const API_PATH_WS = '/api';
