/**
 * Dark and light themes: the page's colours come from CSS variables keyed by
 * `<html data-theme>`, the charts' from the palettes here (canvas cannot read CSS).
 */
import { ColorType, CrosshairMode, type ChartOptions, type DeepPartial } from 'lightweight-charts';

export type Theme = 'dark' | 'light';

export interface Palette {
  readonly background: string;
  readonly text: string;
  readonly grid: string;
  readonly border: string;
  readonly up: string;
  readonly down: string;
  readonly upVolume: string;
  readonly downVolume: string;
  readonly sma: string;
  readonly emaFast: string;
  readonly emaSlow: string;
  readonly band: string;
  readonly bandMiddle: string;
  readonly vwap: string;
  readonly vol: string;
  readonly volFill: string;
  readonly info: string;
  readonly warning: string;
  readonly critical: string;
  /** Line colours of the comparison chart, in order. */
  readonly series: readonly string[];
}

const DARK: Palette = {
  background: '#0e131a',
  text: '#8a97a8',
  grid: 'rgba(120, 140, 165, 0.08)',
  border: '#1f2a38',
  up: '#26a69a',
  down: '#ef5350',
  upVolume: 'rgba(38, 166, 154, 0.45)',
  downVolume: 'rgba(239, 83, 80, 0.45)',
  sma: '#f5c542',
  emaFast: '#ff8a3d',
  emaSlow: '#d07cff',
  band: 'rgba(99, 155, 255, 0.75)',
  bandMiddle: 'rgba(99, 155, 255, 0.35)',
  vwap: '#2bd4d4',
  vol: '#b48cff',
  volFill: 'rgba(180, 140, 255, 0.14)',
  info: '#4c9aff',
  warning: '#f0b429',
  critical: '#ff5c5c',
  series: ['#4c9aff', '#f5c542', '#26a69a', '#ef5350', '#d07cff', '#ff8a3d'],
};

const LIGHT: Palette = {
  background: '#ffffff',
  text: '#4d5867',
  grid: 'rgba(30, 45, 65, 0.07)',
  border: '#dbe1e8',
  up: '#089981',
  down: '#e13f3c',
  upVolume: 'rgba(8, 153, 129, 0.35)',
  downVolume: 'rgba(225, 63, 60, 0.35)',
  sma: '#c48a00',
  emaFast: '#e4670f',
  emaSlow: '#9b3fd6',
  band: 'rgba(36, 99, 214, 0.7)',
  bandMiddle: 'rgba(36, 99, 214, 0.35)',
  vwap: '#0a9aa3',
  vol: '#7b4fd8',
  volFill: 'rgba(123, 79, 216, 0.12)',
  info: '#2463d6',
  warning: '#b97800',
  critical: '#d62f2f',
  series: ['#2463d6', '#c48a00', '#089981', '#e13f3c', '#9b3fd6', '#e4670f'],
};

export function palette(theme: Theme): Palette {
  return theme === 'light' ? LIGHT : DARK;
}

const KEY = 'tickflow.theme';

/** The saved choice, else the system's preference. */
export function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'dark' || saved === 'light') return saved;
  } catch {
    // storage blocked: follow the system
  }
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

export function applyTheme(theme: Theme, save: boolean): void {
  document.documentElement.dataset['theme'] = theme;
  if (!save) return;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // storage blocked: the choice lasts for this page
  }
}

/** Options every chart of the page shares. */
export function chartOptions(p: Palette): DeepPartial<ChartOptions> {
  return {
    layout: {
      background: { type: ColorType.Solid, color: p.background },
      textColor: p.text,
      fontFamily: 'Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      fontSize: 11,
      attributionLogo: false,
    },
    grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: p.border },
    timeScale: { borderColor: p.border },
  };
}
