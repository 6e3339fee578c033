// ECharts option parts that follow the light/dark theme (text, axes, grid lines, tooltip).

import { palette } from './palette';

export function chartBase(): Record<string, unknown> {
  const p = palette();
  return {
    backgroundColor: 'transparent',
    textStyle: { color: p.text },
    legend: { textStyle: { color: p.text }, top: 0 },
    tooltip: { trigger: 'axis', backgroundColor: p.bg, borderColor: p.border, textStyle: { color: p.text } },
    grid: { left: 56, right: 20, top: 36, bottom: 44 },
  };
}

export function axis(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const p = palette();
  return {
    name,
    nameLocation: 'middle',
    nameGap: 30,
    nameTextStyle: { color: p.muted },
    axisLine: { lineStyle: { color: p.border } },
    axisLabel: { color: p.muted },
    splitLine: { lineStyle: { color: p.border, opacity: 0.5 } },
    ...extra,
  };
}
