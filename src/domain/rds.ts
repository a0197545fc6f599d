/** Facts about RDS that the environment file loader and the Rds construct both rely on. */

/** Intervals RDS enhanced monitoring accepts; 0 turns it off. */
export const MONITORING_INTERVALS_SECONDS: readonly number[] = [0, 1, 5, 10, 15, 30, 60];

/** Whether RDS offers Performance Insights on an instance class: not on the db.t*.micro and db.t*.small classes. */
export function supportsPerformanceInsights(instanceClass: string): boolean {
  return !/^db\.t\d+g?\.(micro|small)$/.test(instanceClass);
}

/** The smallest storage autoscaling ceiling RDS accepts: 10% above the allocated storage. */
export function minimumMaxAllocatedStorageGiB(allocatedStorageGiB: number): number {
  return Math.ceil((allocatedStorageGiB * 11) / 10);
}
