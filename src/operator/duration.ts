/**
 * Durations as operators type them: `90s`, `15m`, `1h`, `1h30m`, or a bare number of seconds (`900`).
 *
 * @param text the duration to parse
 * @returns the duration in milliseconds
 * @throws Error naming the value given and the accepted forms, when the text is not a positive duration
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000 };
  let ms: number | undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    ms = Number(trimmed) * 1_000;
  } else {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(trimmed);
    if (match !== null && trimmed.length > 0) {
      const [, h, m, s] = match;
      ms = Number(h ?? 0) * units.h + Number(m ?? 0) * units.m + Number(s ?? 0) * units.s;
    }
  }
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new Error(`invalid duration ${JSON.stringify(text)}: use a positive duration such as 90s, 15m, 1h or 1h30m`);
  }
  return Math.round(ms);
}

/**
 * A short human form of a duration, for progress lines: `45s`, `2m05s`, `1h02m`.
 *
 * @param ms the duration in milliseconds (negative values count as 0)
 */
export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1_000));
  const hours = Math.floor(totalSeconds / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  const pad = (n: number): string => String(n).padStart(2, "0");
  if (hours > 0) return `${hours}h${pad(minutes)}m`;
  if (minutes > 0) return `${minutes}m${pad(seconds)}s`;
  return `${seconds}s`;
}
