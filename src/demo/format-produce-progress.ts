/** The producer's progress line: total records sent and the rate since the previous line (records/s). */
export function formatProduceProgress(topic: string, total: number, previous: { at: number; total: number }, nowMs: number): string {
  const dt = Math.max(1e-3, (nowMs - previous.at) / 1000);
  return `produce ${topic}: ${total} records sent | ${((total - previous.total) / dt).toFixed(0)} records/s`;
}
