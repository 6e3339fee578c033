// Chart colours that keep a chart readable in Element Plus's light and dark themes, and vue-echarts' <v-chart>
// loaded on first use: ECharts is the largest chunk of the renderer, and a view that shows charts beside other
// content (the dashboard's node cards) paints that content without waiting for it.

import { defineAsyncComponent } from 'vue';

export const VChart = defineAsyncComponent(() => import('./echarts').then((m) => m.VChart));

/** Element Plus's text, border and background colours for a theme (ECharts draws on a canvas: no CSS variables). */
export interface ChartPalette {
  text: string;
  muted: string;
  axis: string;
  split: string;
  tooltip: string;
  series: string[];
}

const LIGHT: ChartPalette = {
  text: '#303133',
  muted: '#909399',
  axis: '#dcdfe6',
  split: '#ebeef5',
  tooltip: '#ffffff',
  series: ['#409eff', '#e6a23c', '#67c23a', '#f56c6c', '#909399', '#9b59b6', '#1abc9c'],
};
const DARK: ChartPalette = {
  text: '#e5eaf3',
  muted: '#a3a6ad',
  axis: '#4c4d4f',
  split: '#363637',
  tooltip: '#1d1e1f',
  series: ['#409eff', '#e6a23c', '#67c23a', '#f56c6c', '#a3a6ad', '#b07cd8', '#36cfc9'],
};

export function chartPalette(theme: 'light' | 'dark'): ChartPalette {
  return theme === 'dark' ? DARK : LIGHT;
}

/** The option fragments every cartesian chart shares: text colour, axis lines, split lines, tooltip. */
export function baseOption(p: ChartPalette): Record<string, unknown> {
  return {
    color: p.series,
    textStyle: { color: p.text },
    tooltip: { backgroundColor: p.tooltip, borderColor: p.axis, textStyle: { color: p.text } },
    legend: { textStyle: { color: p.text } },
  };
}

/** An axis styled for the palette. */
export function axisStyle(p: ChartPalette): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: p.axis } },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.split } },
    nameTextStyle: { color: p.muted },
  };
}
