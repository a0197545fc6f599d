export { ScheduledJob } from "./scheduled-job";
export type { ScheduledJobProps } from "./scheduled-job";
export { JOB_LINE_NAME_FIELD, JOB_SHELL, jobContainerCommand } from "./job-command";
