/**
 * A one-line progress display on a terminal (stderr), redrawn at most 5 times a second.
 * Silent when stderr is not a TTY, so logs and pipes stay clean.
 */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private readonly enabled: boolean;
  private readonly started = Date.now();

  constructor(private readonly render: () => { fraction: number | undefined; text: string }) {
    this.enabled = Boolean(process.stderr.isTTY);
  }

  start(): this {
    if (this.enabled) this.timer = setInterval(() => this.draw(), 200);
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }

  private draw(): void {
    const { fraction, text } = this.render();
    const width = 28;
    let bar = '';
    let eta = '';
    if (fraction !== undefined) {
      const f = Math.min(1, Math.max(0, fraction));
      const fill = Math.round(f * width);
      bar = `[${'='.repeat(Math.max(0, fill - 1))}${fill > 0 ? '>' : ''}${' '.repeat(width - fill)}] ${(f * 100).toFixed(1).padStart(5)}% `;
      const elapsed = (Date.now() - this.started) / 1000;
      if (f > 0.01) eta = ` ETA ${Math.max(0, (elapsed * (1 - f)) / f).toFixed(0)}s`;
    }
    process.stderr.write(`\r\x1b[2K${bar}${text}${eta}`);
  }
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmtRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(0);
}
