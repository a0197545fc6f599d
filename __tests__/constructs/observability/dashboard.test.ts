import { Testing } from "cdktf";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Dashboard, DashboardSection } from "../../../src/constructs/observability/dashboard";
import { Naming } from "../../../src/core/naming";
import { ReadableStack } from "../../../src/stacks/readable-stack";

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, any>;
}

function build(sections: (bucket: S3Bucket) => DashboardSection[]): { widgets: Widget[]; synth: string } {
  const stack = new ReadableStack(Testing.app(), "test");
  // a resource of the same stack whose attribute stands in for a dimension value
  const bucket = new S3Bucket(stack, "bucket", { bucket: "b" });
  new Dashboard(stack, "dashboard", { naming: new Naming("whcsites", "staging"), region: "eu-west-1", sections: sections(bucket) });
  const synth = Testing.synth(stack);
  const body = JSON.parse(synth).resource.aws_cloudwatch_dashboard.dashboard.dashboard_body as string;
  return { widgets: JSON.parse(body).widgets as Widget[], synth };
}

describe("Dashboard", () => {
  // GIVEN an alarm section and a section of three metric graphs, one 12 wide
  const { widgets, synth } = build((bucket) => [
    { title: "Alarms", widgets: [{ kind: "alarms", title: "Alarms", alarmArns: ["arn:aws:cloudwatch:eu-west-1:210987654321:alarm:a"] }] },
    {
      title: "Service api",
      widgets: [
        { kind: "metric", title: "requests", metrics: [{ namespace: "AWS/S3", metricName: "NumberOfObjects", dimensions: { BucketName: bucket.bucket }, statistic: "Average" }] },
        { kind: "metric", title: "p99", metrics: [{ namespace: "AWS/S3", metricName: "X", dimensions: {}, statistic: "p99", label: "p99 s" }], thresholds: [{ label: "alarm", value: 2 }] },
        { kind: "metric", title: "wide", width: 12, periodSeconds: 300, metrics: [{ namespace: "AWS/S3", metricName: "Y", dimensions: {}, statistic: "Sum" }] },
        { kind: "metric", title: "next row", metrics: [{ namespace: "AWS/S3", metricName: "Z", dimensions: {}, statistic: "Sum" }] },
      ],
    },
  ]);

  test("THEN it is named <app>-<environment> and its body is JSON", () => {
    expect(synth).toHaveResourceWithProperties(CloudwatchDashboard, { dashboard_name: "whcsites-staging" });
    expect(widgets.length).toBe(7);
  });

  test("THEN each section starts on a new line under a heading, and widgets wrap at 24 units", () => {
    expect(widgets.map((w) => [w.type, w.x, w.y, w.width, w.height])).toEqual([
      ["text", 0, 0, 24, 1],
      ["alarm", 0, 1, 24, 4],
      ["text", 0, 5, 24, 1],
      ["metric", 0, 6, 6, 6],
      ["metric", 6, 6, 6, 6],
      ["metric", 12, 6, 12, 6],
      ["metric", 0, 12, 6, 6],
    ]);
    expect(widgets[2].properties.markdown).toBe("## Service api");
  });

  test("THEN metric graphs use CloudWatch's metric array form with the stack's references, statistic, label and region", () => {
    expect(widgets[3].properties).toEqual({
      title: "requests",
      region: "eu-west-1",
      view: "timeSeries",
      stacked: false,
      period: 60,
      metrics: [["AWS/S3", "NumberOfObjects", "BucketName", "${aws_s3_bucket.bucket.bucket}", { stat: "Average", label: "NumberOfObjects" }]],
    });
    expect(widgets[4].properties.metrics).toEqual([["AWS/S3", "X", { stat: "p99", label: "p99 s" }]]);
    expect(widgets[4].properties.annotations).toEqual({ horizontal: [{ label: "alarm", value: 2 }] });
    expect(widgets[5].properties.period).toBe(300);
  });

  test("THEN the alarm widget lists the alarms' ARNs", () => {
    expect(widgets[1].properties).toEqual({ title: "Alarms", alarms: ["arn:aws:cloudwatch:eu-west-1:210987654321:alarm:a"], sortBy: "stateUpdatedTimestamp" });
  });
});

describe("Dashboard validation", () => {
  test("GIVEN a widget 30 units wide, an empty graph and 101 alarms WHEN built THEN one error lists all three", () => {
    expect(() =>
      build(() => [
        {
          title: "bad",
          widgets: [
            { kind: "text", markdown: "x", width: 30 },
            { kind: "metric", title: "empty", metrics: [] },
            { kind: "alarms", title: "too many", alarmArns: Array.from({ length: 101 }, (_, i) => `arn:aws:cloudwatch:eu-west-1:210987654321:alarm:${i}`) },
          ],
        },
      ]),
    ).toThrow(
      [
        "Dashboard: sections[0].widgets[0].width got 30; allowed: an integer from 1 to 24",
        "Dashboard: sections[0].widgets[1].metrics got []; allowed: at least one metric",
        "Dashboard: sections[0].widgets[2].alarmArns got 101; allowed: an integer from 1 to 100 (alarms one alarm status widget shows)",
      ].join("\n"),
    );
  });
});
