import { isTimeZone, parseScheduleExpression, runsPerMonth, ScheduleExpression } from "../src/domain/schedule-expression";

function valid(expression: string): ScheduleExpression {
  const parsed = parseScheduleExpression(expression);
  if (!parsed.ok) throw new Error(`expected ${expression} to be valid, got: ${parsed.problem}`);
  return parsed.value;
}

function problemOf(expression: string): string {
  const parsed = parseScheduleExpression(expression);
  if (parsed.ok) throw new Error(`expected ${expression} to be refused`);
  return parsed.problem;
}

describe("schedule expressions (EventBridge Scheduler)", () => {
  it.each([
    "rate(1 minute)",
    "rate(15 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "cron(0 2 * * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0 8 ? * MON-FRI *)",
    "cron(30 3 1 * ? *)",
    "cron(0 2 L * ? *)",
    "cron(0 2 15W * ? *)",
    "cron(0 2 ? * 6L *)",
    "cron(0 2 ? * 2#1 *)",
    "cron(0 2 ? JAN,JUL MON 2026-2030)",
    "cron(5,35 10-18/2 ? * SUN *)",
  ])("GIVEN %s WHEN parsed THEN it is valid", (expression) => {
    expect(parseScheduleExpression(expression).ok).toBe(true);
  });

  it.each([
    ["cron(0 2 * * *)", /has 5 fields; allowed: exactly six/],
    ["cron(0 2 * * MON *)", /day-of-month "\*" and day-of-week "MON" are both set; allowed: "\?" in exactly one of them, such as "cron\(0 2 \? \* MON \*\)"/],
    ["cron(0 2 ? * ? *)", /both "\?"/],
    ["cron(0 24 * * ? *)", /hours "24": "24" is not in 0-23/],
    ["cron(60 2 * * ? *)", /minutes "60": "60" is not in 0-59/],
    ["cron(0 2 32 * ? *)", /day-of-month "32"/],
    ["cron(0 2 ? * 8 *)", /day-of-week "8"/],
    ["cron(0 2 * 13 ? *)", /month "13"/],
    ["cron(0 2 * * ? 1969)", /year "1969"/],
    ["cron(? 2 * * ? *)", /minutes "\?": "\?" is only for day-of-month or day-of-week/],
    ["cron(0 2 * * L *)", /day-of-month "\*" and day-of-week "L" are both set/],
    ["cron(0 2 * * ? * *)", /has 7 fields/],
    ["cron(0  2 * * ? *)", /has 6 fields; allowed: exactly six, separated by single spaces/],
    ["cron(0 5-2 * * ? *)", /range "5-2" runs backwards/],
    ["cron(0/0 2 * * ? *)", /step "0" is out of range/],
    ["rate(0 minutes)", /a rate of 0 never runs/],
    ["rate(1 minutes)", /a value of 1 takes the singular unit; allowed: "rate\(1 minute\)"/],
    ["rate(5 minute)", /a value above 1 takes the plural unit; allowed: "rate\(5 minutes\)"/],
    ["rate(5 seconds)", /unit minute\(s\), hour\(s\) or day\(s\)/],
    ["rate(-1 hours)", /positive whole number/],
    ["0 2 * * ? *", /neither rate\(...\) nor cron\(...\)/],
    ["at(2026-01-01T00:00:00)", /neither rate/],
  ])("GIVEN %s WHEN parsed THEN it is refused, saying %s", (expression, message) => {
    expect(problemOf(expression)).toMatch(message);
  });

  it("GIVEN rates WHEN counted THEN runs per month are 730 hours divided by the rate", () => {
    expect(runsPerMonth(valid("rate(1 hour)"))).toBe(730);
    expect(runsPerMonth(valid("rate(15 minutes)"))).toBe(2920);
    expect(runsPerMonth(valid("rate(1 day)"))).toBeCloseTo(30.42, 2);
  });

  it("GIVEN cron expressions WHEN counted THEN runs per month are the year's runs over 12", () => {
    // Counted by hand for 2027 (a Friday to a Friday, 365 days; 261 weekdays, 52 Mondays).
    expect(runsPerMonth(valid("cron(0 2 * * ? *)"))).toBeCloseTo(365 / 12, 6);
    expect(runsPerMonth(valid("cron(0/15 * * * ? *)"))).toBeCloseTo((365 * 24 * 4) / 12, 6);
    expect(runsPerMonth(valid("cron(0 8 ? * MON-FRI *)"))).toBeCloseTo(261 / 12, 6);
    expect(runsPerMonth(valid("cron(0 9,17 ? * MON *)"))).toBeCloseTo((52 * 2) / 12, 6);
    expect(runsPerMonth(valid("cron(30 3 1 * ? *)"))).toBe(1);
    expect(runsPerMonth(valid("cron(0 2 L * ? *)"))).toBe(1);
  });

  it.each([
    ["UTC", true],
    ["Europe/Paris", true],
    ["America/Argentina/Buenos_Aires", true],
    ["Etc/GMT+5", true],
    ["Europe/Pariss", false],
    ["CEST+1", false],
    ["", false],
  ])("GIVEN the time zone %s WHEN checked THEN it is %s", (timezone, expected) => {
    expect(isTimeZone(timezone)).toBe(expected);
  });
});
