/**
 * `port22 check --html <file>` and the lab: writes the self-contained HTML report (lambda/core/report/html.ts)
 * to a file, creating its parent directory. The page is rendered in memory first, so a rendering error never
 * leaves a half-written file behind.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type HtmlReportInput, type HtmlReportOptions, renderHtmlReport } from '../../core/report/html.ts';
import { makeDirectory } from './make-directory.ts';

/** @returns the absolute path written */
export async function writeHtmlReport(
  path: string,
  report: HtmlReportInput,
  options: Partial<HtmlReportOptions> = {},
): Promise<string> {
  const html = renderHtmlReport(report, { ...options, generatedAt: options.generatedAt ?? new Date() });
  const target = resolve(path);
  await makeDirectory(dirname(target));
  await writeFile(target, html, 'utf8');
  return target;
}
