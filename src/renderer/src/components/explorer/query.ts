// One explorer query as reactive state: loads at once, reloads (debounced) when a watched source changes, keeps
// the last value while reloading, and drops answers that arrive after a newer request was made.

import { onBeforeUnmount, ref, shallowRef, watch, type Ref, type ShallowRef, type WatchSource } from 'vue';

export interface Query<T> {
  /** The last value loaded; null before the first answer or when the engine found nothing. */
  data: ShallowRef<T | null>;
  /** True until the first answer, and again when `reload({ reset: true })` runs. */
  loading: Ref<boolean>;
  /** The refusal or failure message of the last request, or null. */
  error: Ref<string | null>;
  reload: (o?: { reset?: boolean }) => Promise<void>;
}

export interface QueryOptions<T> {
  load: () => Promise<T | null>;
  /** Sources that trigger a reload (e.g. the selected node, the chain version). */
  sources?: WatchSource[];
  /** Sources whose change clears the shown value first (e.g. the selected node). */
  resetOn?: WatchSource[];
  debounceMs?: number;
  /** Wait this long before the first load (a secondary query that should not delay the page's main one). */
  firstLoadAfterMs?: number;
}

export function useQuery<T>(o: QueryOptions<T>): Query<T> {
  const data = shallowRef<T | null>(null);
  const loading = ref(true);
  const error = ref<string | null>(null);
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function reload(r: { reset?: boolean } = {}): Promise<void> {
    const mine = ++seq;
    if (r.reset) {
      loading.value = true;
      data.value = null;
    }
    try {
      const value = await o.load();
      if (mine !== seq) return;
      data.value = value;
      error.value = null;
    } catch (e) {
      if (mine !== seq) return;
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  function later(): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      void reload();
    }, o.debounceMs ?? 150);
  }

  if (o.sources?.length) watch(o.sources, later);
  if (o.resetOn?.length) watch(o.resetOn, () => void reload({ reset: true }));
  onBeforeUnmount(() => {
    if (timer) clearTimeout(timer);
    seq++;
  });
  if (o.firstLoadAfterMs) timer = setTimeout(() => {
    timer = null;
    void reload({ reset: true });
  }, o.firstLoadAfterMs);
  else void reload({ reset: true });
  return { data, loading, error, reload };
}
