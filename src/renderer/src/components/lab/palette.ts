// Theme colours for canvases (cytoscape, ECharts) read from Element Plus' CSS variables, so graphs follow light/dark.

export interface Palette {
  text: string;
  muted: string;
  border: string;
  bg: string;
  primary: string;
  success: string;
  warning: string;
  danger: string;
  info: string;
}

/** The current theme's colours (call again after the theme changes). */
export function palette(): Palette {
  const s = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => s.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--el-text-color-primary', '#303133'),
    muted: v('--el-text-color-secondary', '#909399'),
    border: v('--el-border-color', '#dcdfe6'),
    bg: v('--el-bg-color', '#ffffff'),
    primary: v('--el-color-primary', '#409eff'),
    success: v('--el-color-success', '#67c23a'),
    warning: v('--el-color-warning', '#e6a23c'),
    danger: v('--el-color-danger', '#f56c6c'),
    info: v('--el-color-info', '#909399'),
  };
}
