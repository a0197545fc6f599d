/**
 * AWS Backup facts and the defaults of the environments' disaster recovery, shared by the environment file loader and
 * the backup constructs so that neither restates the other.
 */

/** Days a daily recovery point is kept when the file gives none (five weeks: every day of the last month). */
export const DEFAULT_DAILY_RETENTION_DAYS = 35;
/** Days a monthly recovery point is kept when the file gives none (a year). */
export const DEFAULT_MONTHLY_RETENTION_DAYS = 365;
/** The vault lock's minimum retention when the file gives none. */
export const DEFAULT_LOCK_MIN_RETENTION_DAYS = 7;
/** Hours a restore-tested database is kept before AWS Backup deletes it, when the file gives none. */
export const DEFAULT_RESTORE_VALIDATION_HOURS = 2;

/**
 * The shortest cooling-off period of a compliance-mode vault lock (`ChangeableForDays`, 72 hours): AWS refuses less.
 * After it the lock is immutable.
 */
export const MIN_CHANGEABLE_FOR_DAYS = 3;
/** The longest retention AWS Backup and its vault lock take, in days (100 years). */
export const MAX_RETENTION_DAYS = 36500;
/** The validation window of a restore testing selection, in hours (`ValidationWindowHours`: 1 to 168). */
export const VALIDATION_WINDOW_HOURS = { min: 1, max: 168 } as const;

/** The data a daily backup and its copy in another region can lose: a day. */
export const DAILY_BACKUP_RPO_HOURS = 24;
/**
 * The tightest recovery point objective an environment may state with replicated automated backups: RDS replicates
 * the transaction logs to the other region within minutes, with no bound AWS states.
 */
export const REPLICATED_LOGS_RPO_HOURS = 1;

/**
 * Restore testing plan and selection names: letters, digits and underscores only, starting with a letter, at most 50
 * (AWS Backup's `RestoreTestingPlanName` and `RestoreTestingSelectionName`).
 */
export const RESTORE_TESTING_NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,49}$/;

/** A backup vault name: 2 to 50 letters, digits, hyphens and underscores (AWS Backup's `BackupVaultName`). */
export const BACKUP_VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;

/**
 * What the restore check task prints before the value of its query (the newest migration version): the restore drill
 * reads the value from the task's log by it.
 */
export const RESTORE_CHECK_MARKER = "restore-check: ";

/** The environment stack's output the restore drill reads (`npm run restore-drill`). */
export const RESTORE_DRILL_OUTPUT = "restore_drill";
