// The app-wide store: engine status (pushed once a second), the node whose view the explorer shows, the newest
// blocks for the live strip (loaded only while a view follows it), running jobs, the connection and the theme.

import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AppStatus, BlockSummary, JobDone, JobProgress, Wire } from '@shared/api';
import { onConnectionChange, onEvent, request } from '../api/client';

const NODE_KEY = 'forklab.node';
const THEME_KEY = 'forklab.theme';
const STRIP = 12;

export const useAppStore = defineStore('app', () => {
  const status = ref<Wire<AppStatus> | null>(null);
  const connected = ref(true);
  const node = ref(localStorage.getItem(NODE_KEY) ?? 'h0');
  const theme = ref<'light' | 'dark'>(localStorage.getItem(THEME_KEY) === 'dark' ? 'dark' : 'light');
  const newestBlocks = ref<BlockSummary[]>([]);
  const jobs = ref<Record<number, Wire<JobProgress>>>({});
  const finished = ref<Wire<JobDone>[]>([]);
  /** Bumped on every tip change of the selected node: views that show chain data refetch on it. */
  const chainVersion = ref(0);

  const nodes = computed(() => status.value?.nodes ?? []);
  const selected = computed(() => nodes.value.find((n) => n.id === node.value) ?? null);

  async function refreshStatus(): Promise<void> {
    status.value = await request('app.status', {});
    if (nodes.value.length > 0 && !nodes.value.some((n) => n.id === node.value)) node.value = nodes.value[0]!.id;
  }

  let stripTimer: ReturnType<typeof setTimeout> | null = null;
  /** Views showing the live strip now: with none, tips do not reload it (the engine has other queries to answer). */
  let stripFollowers = 0;
  /** Reloads the live strip, at most every 300 ms however fast tips arrive. */
  function refreshStrip(): void {
    if (stripTimer || stripFollowers === 0) return;
    stripTimer = setTimeout(async () => {
      stripTimer = null;
      try {
        newestBlocks.value = (await request('explorer.latestBlocks', { node: node.value, limit: STRIP })) as BlockSummary[];
      } catch {
        // the next tip retries
      }
    }, 300);
  }

  /** Keeps the live strip current until the returned function is called (a view calls it when it unmounts). */
  function followStrip(): () => void {
    stripFollowers++;
    refreshStrip();
    return () => void stripFollowers--;
  }

  function start(): void {
    onConnectionChange((up) => {
      connected.value = up;
      if (up) void refreshStatus();
    });
    onEvent('status', (s) => (status.value = s));
    onEvent('tip', (t) => {
      if (t.node === node.value) {
        chainVersion.value++;
        refreshStrip();
      }
    });
    onEvent('job.progress', (p) => (jobs.value = { ...jobs.value, [p.id]: p }));
    onEvent('job.done', (d) => {
      const { [d.id]: _gone, ...rest } = jobs.value;
      jobs.value = rest;
      finished.value = [d, ...finished.value].slice(0, 20);
    });
    onEvent('workspace.changed', () => {
      void refreshStatus();
      chainVersion.value++;
      refreshStrip();
    });
    void refreshStatus();
  }

  watch(node, (id) => {
    localStorage.setItem(NODE_KEY, id);
    chainVersion.value++;
    refreshStrip();
  });
  watch(
    theme,
    (t) => {
      localStorage.setItem(THEME_KEY, t);
      document.documentElement.classList.toggle('dark', t === 'dark');
    },
    { immediate: true },
  );

  return { status, connected, node, theme, nodes, selected, newestBlocks, jobs, finished, chainVersion, refreshStatus, followStrip, start };
});
