/**
 * @packageDocumentation
 * The live P&L dashboard of TickerML: a page served over HTTP that updates through server-sent
 * events, with an equity chart (uPlot), positions, open orders, fills with markouts and toxic
 * flags, risk state and feed health.
 */
export { type DashboardOptions, DashboardServer, DashboardStartError } from './server.js';
export type {
  AlertsView,
  AlertView,
  DashboardSnapshot,
  DashboardUpdate,
  EquityPoint,
  FeedView,
  FillView,
  FundingView,
  HeadlineView,
  ModelContextView,
  ModelView,
  NewsView,
  OrderView,
  PositionView,
  RiskView,
  SentimentView,
  StatsView,
} from './types.js';
