import {
  DATASOURCE, type Dashboard, type FieldDefaults, type Panel, type PrometheusTarget, type QueryPanel, type TemplateVariable,
} from './dashboard-model';

/** Grafana's grid width in columns. */
export const GRID_COLUMNS = 24;

/** A query before it gets its refId: PromQL plus the series name template. */
export interface QuerySpec {
  readonly expr: string;
  readonly legend: string;
  readonly instant?: boolean;
}

/** A panel before layout: its place in the row is given by `w` and `h` only. */
export interface PanelSpec {
  readonly type: QueryPanel['type'];
  readonly title: string;
  readonly description: string;
  readonly queries: readonly QuerySpec[];
  /** Width in grid columns (1..24) and height in grid rows. */
  readonly w: number;
  readonly h: number;
  readonly defaults: FieldDefaults;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** A titled group of panels, laid out left to right, wrapping at 24 columns. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** Dashboard-level fields. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly tags: readonly string[];
  /** Extra template variables after the `datasource` one. */
  readonly variables: readonly TemplateVariable[];
  readonly rows: readonly RowSpec[];
}

/** The data source picker variable every dashboard starts with (referenced as `${datasource}`). */
export const DATASOURCE_VARIABLE: TemplateVariable = {
  name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus',
  current: {}, hide: 0, refresh: 1, regex: '', options: [],
};

/** A multi-value label variable filled by `label_values(metric, label)`, "All" matching every value. */
export function labelVariable(name: string, label: string, metric: string): TemplateVariable {
  const definition = `label_values(${metric}, ${name})`;
  return {
    name, label, type: 'query', datasource: DATASOURCE, query: { query: definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    definition, includeAll: true, multi: true, allValue: '.*', refresh: 2, sort: 1, hide: 0, current: {}, options: [],
  };
}

const DEFAULT_OPTIONS: Record<QueryPanel['type'], Record<string, unknown>> = {
  timeseries: {
    legend: { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
    tooltip: { mode: 'multi', sort: 'none' },
  },
  stat: {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    colorMode: 'value', graphMode: 'area', justifyMode: 'auto', orientation: 'auto', textMode: 'auto',
  },
  bargauge: {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    displayMode: 'gradient', orientation: 'horizontal', showUnfilled: true, valueMode: 'color',
  },
};

/**
 * Lays the rows out on the grid (a full-width row header, then the row's panels left to right, wrapping
 * when the next panel does not fit) and numbers panels and queries.
 */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const panels: Panel[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({ id: id++, type: 'row', title: row.title, gridPos: { x: 0, y, w: GRID_COLUMNS, h: 1 }, collapsed: false, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      if (!Number.isInteger(p.w) || p.w < 1 || p.w > GRID_COLUMNS) throw new RangeError(`panel "${p.title}": width ${p.w} is not in 1..${GRID_COLUMNS}`);
      if (x + p.w > GRID_COLUMNS) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      const targets: PrometheusTarget[] = p.queries.map((q, i) => ({
        refId: String.fromCharCode(65 + i), datasource: DATASOURCE, expr: q.expr, legendFormat: q.legend,
        ...(q.instant ? { instant: true, range: false } : {}),
      }));
      panels.push({
        id: id++, type: p.type, title: p.title, description: p.description, gridPos: { x, y, w: p.w, h: p.h },
        datasource: DATASOURCE, targets, fieldConfig: { defaults: p.defaults, overrides: [] },
        options: { ...DEFAULT_OPTIONS[p.type], ...p.options },
      });
      x += p.w;
      rowHeight = Math.max(rowHeight, p.h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid, title: spec.title, description: spec.description, tags: spec.tags,
    schemaVersion: 39, version: 1, editable: true, graphTooltip: 1, timezone: 'browser',
    time: { from: 'now-1h', to: 'now' }, refresh: '30s',
    templating: { list: [DATASOURCE_VARIABLE, ...spec.variables] },
    annotations: {
      list: [{
        builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true,
        iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard',
      }],
    },
    links: [],
    panels,
  };
}
