/** `--html`: the collector the compare app feeds, and the page made from a report and its figures. */
import type { CompareReport } from '../model/compare.js';
import type { HtmlData } from './collect.js';
import { renderImages } from './images.js';
import { renderHtml } from './render.js';

export { DEFAULT_HTML_COLLECTOR_OPTIONS, HtmlCollector, type HtmlCollectorOptions, type HtmlData, mergeHtmlData } from './collect.js';
export { type EmbeddedReport, extractEmbedded, HTML_DATA_ID, renderHtml } from './render.js';

/** The whole page: pictures encoded (sharp, in memory), then rendered. */
export async function htmlReport(report: CompareReport, figures: HtmlData | null): Promise<string> {
  return renderHtml(report, figures, await renderImages(figures));
}
