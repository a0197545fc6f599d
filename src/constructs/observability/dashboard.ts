import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { Naming } from "../../core/naming";
import { DASHBOARD_ALARM_WIDGET_MAX_ALARMS } from "../../domain/cloudwatch";
import type { MetricSpec } from "./alarm";
import { PropChecks } from "../shared";

/** Width of a dashboard in grid units (CloudWatch dashboard body structure). */
const GRID_WIDTH = 24;

// ── props ──

/** A graph of metrics. */
export interface MetricWidget {
  readonly kind: "metric";
  /** Title above the graph. */
  readonly title: string;
  /** The metrics, each with its statistic (and label). */
  readonly metrics: readonly MetricSpec[];
  /**
   * Grid units wide, 1 to 24.
   *
   * @default 6
   */
  readonly width?: number;
  /**
   * Seconds per data point.
   *
   * @default 60
   */
  readonly periodSeconds?: number;
  /**
   * Horizontal lines, for example an alarm's threshold.
   *
   * @default none
   */
  readonly thresholds?: ReadonlyArray<{ readonly label: string; readonly value: number }>;
}

/** The state of alarms, as coloured tiles. */
export interface AlarmStatusWidget {
  readonly kind: "alarms";
  /** Title above the tiles. */
  readonly title: string;
  /** ARNs of the alarms shown, at most 100. */
  readonly alarmArns: readonly string[];
  /**
   * Grid units wide, 1 to 24.
   *
   * @default 24
   */
  readonly width?: number;
}

/** A heading or a note in Markdown. */
export interface TextWidget {
  readonly kind: "text";
  /** The Markdown text. */
  readonly markdown: string;
  /**
   * Grid units wide, 1 to 24.
   *
   * @default 24
   */
  readonly width?: number;
}

/** One widget of a {@link Dashboard}. */
export type DashboardWidget = MetricWidget | AlarmStatusWidget | TextWidget;

/** Widgets that belong together (a service, the database); a row starts on a new line under its heading. */
export interface DashboardSection {
  /** Heading of the section. */
  readonly title: string;
  /** Its widgets, left to right, wrapping at the dashboard's width. */
  readonly widgets: readonly DashboardWidget[];
}

/** Properties of {@link Dashboard}. */
export interface DashboardProps {
  /** Names the dashboard `<app>-<environment>`. */
  readonly naming: Naming;
  /** The region of the metrics (every metric widget names it). */
  readonly region: string;
  /** The sections, top to bottom. */
  readonly sections: readonly DashboardSection[];
}

/**
 * A CloudWatch dashboard whose body is built from typed widgets: metric graphs, alarm status tiles and text, laid out
 * in sections on the 24-unit grid. The metrics come from the constructs that own them (their dimension values are
 * references to resources of the same stack), so the dashboard shows nothing that this stack does not create.
 */
export class Dashboard extends Construct {
  /** Name of the dashboard. */
  public readonly dashboardName: string;
  /** The body as synthesized (JSON with Terraform references). */
  public readonly body: string;

  public constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    // ── validation ──
    const checks = new PropChecks("Dashboard");
    checks.region("region", props.region);
    props.sections.forEach((section, s) =>
      section.widgets.forEach((widget, w) => {
        const at = `sections[${s}].widgets[${w}]`;
        if (widget.width !== undefined) checks.integer(`${at}.width`, widget.width, 1, GRID_WIDTH);
        if (widget.kind === "alarms") {
          checks.integer(`${at}.alarmArns`, widget.alarmArns.length, 1, DASHBOARD_ALARM_WIDGET_MAX_ALARMS, "alarms one alarm status widget shows");
        }
        if (widget.kind === "metric") checks.expect(widget.metrics.length > 0, `${at}.metrics`, [], "at least one metric");
      }),
    );
    checks.throwIfAny();

    // ── dashboard ──
    this.dashboardName = props.naming.name([], 255);
    this.body = JSON.stringify({ widgets: layout(props.sections, props.region) });
    new CloudwatchDashboard(this, "Resource", { dashboardName: this.dashboardName, dashboardBody: this.body });
  }
}

// ── layout ──

/** Places the sections' widgets on the grid: each section under a one-line heading, widgets wrapping at 24 units. */
function layout(sections: readonly DashboardSection[], region: string): object[] {
  const placed: object[] = [];
  let y = 0;
  for (const section of sections) {
    placed.push({ type: "text", x: 0, y, width: GRID_WIDTH, height: 1, properties: { markdown: `## ${section.title}` } });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const widget of section.widgets) {
      const width = widget.width ?? (widget.kind === "metric" ? 6 : GRID_WIDTH);
      const height = widget.kind === "text" ? 2 : widget.kind === "alarms" ? 4 : 6;
      if (x + width > GRID_WIDTH) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      placed.push({ type: widget.kind === "alarms" ? "alarm" : widget.kind, x, y, width, height, properties: properties(widget, region) });
      x += width;
      rowHeight = Math.max(rowHeight, height);
    }
    y += rowHeight;
  }
  return placed;
}

function properties(widget: DashboardWidget, region: string): object {
  switch (widget.kind) {
    case "text":
      return { markdown: widget.markdown };
    case "alarms":
      return { title: widget.title, alarms: [...widget.alarmArns], sortBy: "stateUpdatedTimestamp" };
    case "metric":
      return {
        title: widget.title,
        region,
        view: "timeSeries",
        stacked: false,
        period: widget.periodSeconds ?? 60,
        // [namespace, metric, dimension name, value, ..., {stat, label}]: CloudWatch's metric array form.
        metrics: widget.metrics.map((m) => [
          m.namespace,
          m.metricName,
          ...Object.entries(m.dimensions).flat(),
          { stat: m.statistic, label: m.label ?? m.metricName },
        ]),
        ...(widget.thresholds === undefined || widget.thresholds.length === 0
          ? {}
          : { annotations: { horizontal: widget.thresholds.map((t) => ({ label: t.label, value: t.value })) } }),
      };
  }
}
