// Loading a view's data: at most one load in flight, reruns coalesced, loading and error state, cleanup on unmount.

import { getCurrentInstance, onBeforeUnmount, ref, type Ref } from 'vue';

export interface Loader {
  /** True while the first load runs (later reloads keep showing the old data). */
  loading: Ref<boolean>;
  /** The last load's error message, or null. */
  error: Ref<string | null>;
  /** Loads now, or once more after the running load when one runs. */
  reload: () => Promise<void>;
  /** Reloads after at most `delayMs`, however many times it is called meanwhile. */
  schedule: () => void;
}

export function useLoader(options: { load: () => Promise<void>; delayMs?: number }): Loader {
  const loading = ref(true);
  const error = ref<string | null>(null);
  let running: Promise<void> | null = null;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let alive = true;

  async function reload(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await options.load();
          error.value = null;
        } catch (e) {
          error.value = e instanceof Error ? e.message : String(e);
        }
      } while (again && alive);
      loading.value = false;
      running = null;
    })();
    return running;
  }

  function schedule(): void {
    if (timer || !alive) return;
    timer = setTimeout(() => {
      timer = null;
      void reload();
    }, options.delayMs ?? 400);
  }

  if (getCurrentInstance())
    onBeforeUnmount(() => {
      alive = false;
      if (timer) clearTimeout(timer);
    });

  return { loading, error, reload, schedule };
}

/** The message of a refusal or error, for ElMessage. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
