/**
 * A typed subset of Grafana's dashboard JSON model (schemaVersion 39, Grafana 10/11): what our dashboards use.
 * Field names and nesting are Grafana's; see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/.
 */

/** Every panel and query names the data source through the `${datasource}` template variable. */
export interface DataSourceRef {
  readonly type: 'prometheus';
  readonly uid: '${datasource}';
}

export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

/** Position on Grafana's 24-column grid; h in grid rows of 30 px. */
export interface GridPos {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** One PromQL query of a panel. */
export interface PrometheusTarget {
  readonly refId: string;
  readonly datasource: DataSourceRef;
  readonly expr: string;
  /** Series name template, e.g. `{{reason}}`. */
  readonly legendFormat: string;
  /** Instant query (latest value) instead of a range. */
  readonly instant?: boolean;
  readonly range?: boolean;
}

export interface Threshold {
  readonly color: string;
  /** null for the base step. */
  readonly value: number | null;
}

export interface FieldDefaults {
  /** Grafana unit id: `s`, `short`, `percentunit`, `reqps`, `bytes`, `none`. */
  readonly unit: string;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  readonly thresholds?: { readonly mode: 'absolute'; readonly steps: readonly Threshold[] };
  readonly custom?: Readonly<Record<string, unknown>>;
}

/** A visualisation panel. */
export interface QueryPanel {
  readonly id: number;
  readonly type: 'timeseries' | 'stat' | 'bargauge';
  readonly title: string;
  readonly description: string;
  readonly gridPos: GridPos;
  readonly datasource: DataSourceRef;
  readonly targets: readonly PrometheusTarget[];
  readonly fieldConfig: { readonly defaults: FieldDefaults; readonly overrides: readonly unknown[] };
  readonly options: Readonly<Record<string, unknown>>;
}

/** A (non-collapsed) row header. */
export interface RowPanel {
  readonly id: number;
  readonly type: 'row';
  readonly title: string;
  readonly gridPos: GridPos;
  readonly collapsed: false;
  readonly panels: readonly [];
}

export type Panel = QueryPanel | RowPanel;

/** A template variable (data source picker or a label query). */
export type TemplateVariable =
  | {
    readonly name: string; readonly label: string; readonly type: 'datasource'; readonly query: 'prometheus';
    readonly current: Readonly<Record<string, never>>; readonly hide: 0; readonly refresh: 1; readonly regex: ''; readonly options: readonly [];
  }
  | {
    readonly name: string; readonly label: string; readonly type: 'query'; readonly datasource: DataSourceRef;
    readonly query: { readonly query: string; readonly refId: string }; readonly definition: string;
    readonly includeAll: boolean; readonly multi: boolean; readonly allValue: string; readonly refresh: 2;
    readonly sort: 1; readonly hide: 0; readonly current: Readonly<Record<string, never>>; readonly options: readonly [];
  };

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly version: number;
  readonly editable: boolean;
  readonly graphTooltip: 0 | 1 | 2;
  readonly timezone: 'browser' | 'utc';
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly templating: { readonly list: readonly TemplateVariable[] };
  readonly annotations: { readonly list: readonly unknown[] };
  readonly links: readonly unknown[];
  readonly panels: readonly Panel[];
}
