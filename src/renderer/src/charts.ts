// ECharts, registered once with just the parts the views use (tree-shaken), for vue-echarts' <v-chart>, and the
// colours that keep a chart readable in Element Plus's light and dark themes.

import { use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';

use([CanvasRenderer, BarChart, LineChart, PieChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, MarkLineComponent, DataZoomComponent]);

export { default as VChart } from 'vue-echarts';

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
