/**
 * Progress on stderr for `mpegflow submit`: a redrawn bar on a terminal; on anything else
 * (a pipe, a log file) plain lines, one per label change or 10 % step.
 */
export class ProgressLine {
  private lastLabel = '';
  private lastStep = -1;
  private drawn = false;

  constructor(private readonly out: { write(s: string): unknown; isTTY?: boolean; columns?: number }) {}

  update(fraction: number, label: string): void {
    const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const percent = Math.floor(f * 100);
    if (this.out.isTTY) {
      const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - label.length - 10));
      const full = Math.round(f * width);
      this.out.write(`\r\x1b[2K[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(percent).padStart(3)}% ${label}`);
      this.drawn = true;
      return;
    }
    const step = Math.floor(percent / 10);
    if (label === this.lastLabel && step === this.lastStep) return;
    this.lastLabel = label;
    this.lastStep = step;
    this.out.write(`${label} ${percent}%\n`);
  }

  /** Ends the bar (or the lines) with a final line. */
  done(line: string): void {
    if (this.out.isTTY && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
    this.lastLabel = '';
    this.lastStep = -1;
    this.out.write(`${line}\n`);
  }
}
