import awsCron from "aws-cron-parser";

/*
 * EventBridge Scheduler's recurring schedule expressions, as AWS documents them ("Schedule types on EventBridge
 * Scheduler"): `rate(<value> <unit>)` and `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`. The
 * checks refuse what Scheduler would refuse at apply, which a plan cannot show; aws-cron-parser (which assumes a valid
 * expression) then counts the runs of a valid one.
 */

/** The six fields of a cron expression, in order, with their ranges and the wildcards each allows. */
const CRON_FIELDS = [
  { name: "minutes", min: 0, max: 59, special: "" },
  { name: "hours", min: 0, max: 23, special: "" },
  { name: "day-of-month", min: 1, max: 31, special: "?LW" },
  { name: "month", min: 1, max: 12, special: "", names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day-of-week", min: 1, max: 7, special: "?L#", names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
  { name: "year", min: 1970, max: 2199, special: "" },
] as const;

type CronField = (typeof CRON_FIELDS)[number];

/** The form of a valid expression, for messages. */
export const SCHEDULE_EXPRESSION_FORMS =
  'rate(<n> minute|minutes|hour|hours|day|days), such as "rate(15 minutes)", or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) with a "?" in day-of-month or day-of-week, such as "cron(0 2 * * ? *)" (02:00 every day)';

/** A valid schedule expression, parsed. */
export type ScheduleExpression =
  | { readonly kind: "rate"; readonly minutes: number }
  | { readonly kind: "cron"; readonly fields: readonly string[] };

/**
 * Parses a schedule expression, or says why EventBridge Scheduler would refuse it (one phrase, to follow `got <value>`:
 * it names the field and what that field allows).
 */
export function parseScheduleExpression(expression: string): { readonly ok: true; readonly value: ScheduleExpression } | { readonly ok: false; readonly problem: string } {
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate !== null) return parseRate(rate[1]);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron !== null) return parseCron(cron[1]);
  return { ok: false, problem: `neither rate(...) nor cron(...); allowed: ${SCHEDULE_EXPRESSION_FORMS}` };
}

function parseRate(body: string): { ok: true; value: ScheduleExpression } | { ok: false; problem: string } {
  const match = /^(\d+) (minute|minutes|hour|hours|day|days)$/.exec(body);
  if (match === null) return { ok: false, problem: 'a rate must be "rate(<positive whole number> <unit>)" with one space, unit minute(s), hour(s) or day(s), such as "rate(1 hour)" or "rate(6 hours)"' };
  const value = Number(match[1]);
  const unit = match[2];
  if (value < 1) return { ok: false, problem: `a rate of ${value} never runs; allowed: a positive whole number, such as "rate(1 ${unit.replace(/s$/, "")})"` };
  const singular = !unit.endsWith("s");
  if (value === 1 && !singular) return { ok: false, problem: `a value of 1 takes the singular unit; allowed: "rate(1 ${unit.slice(0, -1)})"` };
  if (value > 1 && singular) return { ok: false, problem: `a value above 1 takes the plural unit; allowed: "rate(${value} ${unit}s)"` };
  const minutesPerUnit = unit.startsWith("minute") ? 1 : unit.startsWith("hour") ? 60 : 1440;
  return { ok: true, value: { kind: "rate", minutes: value * minutesPerUnit } };
}

function parseCron(body: string): { ok: true; value: ScheduleExpression } | { ok: false; problem: string } {
  const fields = body.split(" ");
  if (fields.length !== 6 || fields.some((f) => f.length === 0)) {
    return { ok: false, problem: `has ${body.trim() === "" ? 0 : body.trim().split(/\s+/).length} fields; allowed: exactly six, separated by single spaces: minutes hours day-of-month month day-of-week year, such as "cron(0 2 * * ? *)" (the five-field Unix form has no year and no "?")` };
  }
  for (const [i, field] of CRON_FIELDS.entries()) {
    const problem = cronFieldProblem(fields[i], field);
    if (problem !== undefined) return { ok: false, problem: `${field.name} "${fields[i]}": ${problem}` };
  }
  const dayOfMonth = fields[2];
  const dayOfWeek = fields[4];
  if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
    return {
      ok: false,
      problem: dayOfMonth === "?"
        ? 'day-of-month and day-of-week are both "?"; allowed: "?" in exactly one of them, such as "cron(0 2 * * ? *)"'
        : `day-of-month "${dayOfMonth}" and day-of-week "${dayOfWeek}" are both set; allowed: "?" in exactly one of them, such as "cron(${[fields[0], fields[1], "?", fields[3], dayOfWeek, fields[5]].join(" ")})" or "cron(${[fields[0], fields[1], dayOfMonth, fields[3], "?", fields[5]].join(" ")})"`,
    };
  }
  return { ok: true, value: { kind: "cron", fields } };
}

/** What is wrong with one cron field, or undefined. */
function cronFieldProblem(text: string, field: CronField): string | undefined {
  const names: readonly string[] = "names" in field ? field.names : [];
  const range = `${field.min}-${field.max}${names.length > 0 ? ` or ${names[0]}-${names[names.length - 1]}` : ""}`;
  const allowed = `allowed: ${range}, *, lists (a,b), ranges (a-b) and steps (*/n, a/n, a-b/n)${field.special.includes("?") ? ', "?"' : ""}${field.special.includes("L") ? ", L" : ""}${field.special.includes("W") ? ", nW" : ""}${field.special.includes("#") ? ", nL, n#k (k 1-5)" : ""}`;
  const value = (token: string): number | undefined => {
    const upper = token.toUpperCase();
    if (names.includes(upper)) return names.indexOf(upper) + field.min;
    if (!/^\d+$/.test(token)) return undefined;
    const n = Number(token);
    return n >= field.min && n <= field.max ? n : undefined;
  };
  if (text === "?") return field.special.includes("?") ? undefined : `"?" is only for day-of-month or day-of-week; ${allowed}`;
  // The special forms stand alone.
  if (field.special.includes("L")) {
    if (text === "L") return undefined;
    if (field.name === "day-of-month" && (text === "LW" || (/^\d+W$/.test(text) && value(text.slice(0, -1)) !== undefined))) return undefined;
    if (field.name === "day-of-week") {
      if (/^[^#]+L$/.test(text) && value(text.slice(0, -1)) !== undefined) return undefined;
      const hash = /^([^#]+)#([1-5])$/.exec(text);
      if (hash !== null && value(hash[1]) !== undefined) return undefined;
    }
  }
  for (const item of text.split(",")) {
    const [base, step, extra] = item.split("/");
    if (extra !== undefined || (step !== undefined && !/^\d+$/.test(step))) return `"${item}" is not a value, range or step; ${allowed}`;
    if (step !== undefined && (Number(step) < 1 || Number(step) > field.max)) return `step "${step}" is out of range; allowed: a step from 1 to ${field.max}`;
    if (base === "*") continue;
    const bounds = base.split("-");
    if (bounds.length > 2 || bounds.some((b) => value(b) === undefined)) return `"${item}" is not in ${range}; ${allowed}`;
    if (bounds.length === 2 && (value(bounds[0]) as number) > (value(bounds[1]) as number)) return `range "${base}" runs backwards; allowed: a range from low to high`;
  }
  return undefined;
}

/** Whether `timezone` is a time zone name such as `Europe/Paris` or `UTC` (the IANA names Scheduler takes). */
export function isTimeZone(timezone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(timezone)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes in an average month (730 hours, as the cost tool counts). */
const MINUTES_PER_MONTH = 730 * 60;

/**
 * How often a valid expression runs in an average month: for a rate, 730 hours divided by it; for a cron, its runs
 * over a whole (non-leap) year divided by 12, in UTC (a time zone only moves the runs). The year field is not counted:
 * a schedule limited to some years runs this often in them.
 */
export function runsPerMonth(expression: ScheduleExpression): number {
  if (expression.kind === "rate") return MINUTES_PER_MONTH / expression.minutes;
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = expression.fields;
  const parsed = awsCron.parse([minutes, hours, dayOfMonth, month, dayOfWeek, "*"].join(" "));
  // Minutes and hours do not depend on the day: count the days once (at 00:00), then multiply.
  const daily = awsCron.parse(["0", "0", dayOfMonth, month, dayOfWeek, "*"].join(" "));
  const start = Date.UTC(2027, 0, 1);
  const end = Date.UTC(2028, 0, 1);
  let days = 0;
  for (let at = awsCron.next(daily, new Date(start - 60_000)); at !== null && at.getTime() < end; at = awsCron.next(daily, new Date(at.getTime() + 1))) days += 1;
  return (days * parsed.minutes.length * parsed.hours.length) / 12;
}
