/** The retention values CloudWatch Logs accepts, in days. 0 ("never expire") is left out on purpose. */
export const CLOUDWATCH_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/**
 * The longest stretch an alarm may evaluate, `evaluationPeriods` × `periodSeconds`, in seconds: one day
 * (CloudWatch PutMetricAlarm; longer is allowed only for periods of an hour or more, which no alarm here uses).
 */
export const ALARM_MAX_EVALUATION_SECONDS = 86_400;

/** The period of a standard-resolution metric: a multiple of 60 seconds (10 and 30 are for high-resolution metrics). */
export const ALARM_PERIOD_STEP_SECONDS = 60;

/** Alarms one alarm status widget shows at most (CloudWatch dashboard body structure). */
export const DASHBOARD_ALARM_WIDGET_MAX_ALARMS = 100;
