/**
 * @module machinery/resync
 * The level-triggered loop the small in-server controllers share: any change kicks a full sync;
 * kicks during a sync coalesce into one more sync after it, so a burst of changes costs at most
 * two passes and no change is missed.
 */
export class Resync {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(private readonly name: string, private readonly sync: () => Promise<void>) {}

  kick(): void {
    if (this.running) { this.again = true; return; }
    this.running = this.sync().catch((e) => { console.error(`skiff ${this.name}:`, e?.message ?? e); }).finally(() => {
      this.running = null;
      if (this.again) { this.again = false; this.kick(); }
    });
  }
}
