// The renderer's Content-Security-Policy: one definition for the built page, the dev server and the desktop shell.

export interface CspOptions {
  /** The Vite dev server injects component styles as inline `<style>` elements and talks over a websocket. */
  dev: boolean;
}

/** Returns the policy as a header/meta value: deny by default, then allow only the app's own origin. */
export function rendererContentSecurityPolicy({ dev }: CspOptions): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'style-src': dev ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': dev ? ["'self'", 'ws:'] : ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
