import { BrowserContext, expect, Page, test as base, TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export { expect };

/**
 * Playwright's `test`, failing any test during which a page reported a
 * Content-Security-Policy violation in its console: the policy is there to
 * stop injected script, so the portal's own pages must never trip it.
 * Contexts a test opens itself are watched too.
 */
export const test = base.extend<{ contentSecurityPolicy: void }>({
  contentSecurityPolicy: [
    async ({ context, browser }, use) => {
      const violations: string[] = [];
      const watchPage = (page: Page) =>
        page.on('console', (message) => {
          if (/Content.Security.Policy/i.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
        });
      const watchContext = (watched: BrowserContext) => {
        watched.pages().forEach(watchPage);
        watched.on('page', watchPage);
      };
      watchContext(context);
      const newContext = browser.newContext.bind(browser);
      browser.newContext = async (...options) => {
        const created = await newContext(...options);
        watchContext(created);
        return created;
      };
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(violations, 'Content-Security-Policy violations reported in the console').toEqual([]);
    },
    { auto: true },
  ],
});

export const url = (path: string) => `${process.env.TENANT_VOICE_URL}${path}`;

export const withJavaScript = (info: TestInfo) => info.project.use.javaScriptEnabled !== false;

/** Collects console errors and uncaught exceptions for the life of the page. */
export function watchForErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/**
 * Pages are complete HTML from the server; only islands (the few parts that
 * need the browser) come to life. With JavaScript on, waits until every
 * island on the page has (each marks itself `data-hydrated`); with it off,
 * checks that none did.
 */
export async function waitUntilReady(page: Page, info: TestInfo) {
  await page.waitForLoadState('load');
  const islands = page.locator('leptos-island');
  const alive = page.locator('leptos-island [data-hydrated="true"]');
  if (withJavaScript(info)) {
    await expect(alive).toHaveCount(await islands.count());
  } else {
    await expect(alive).toHaveCount(0);
  }
}

/**
 * axe-core finds no WCAG 2.1 A or AA violations.
 *
 * axe runs as JavaScript inside the page, so on a page with JavaScript off it
 * cannot run. There we copy exactly what the no-JavaScript reader has (the
 * current HTML and the site's stylesheet), open it at the same address in a
 * second, script-enabled page whose own app scripts are blocked so it cannot
 * hydrate and change, and check that.
 */
export async function expectAccessible(page: Page, info: TestInfo) {
  let target = page;
  let scratch: BrowserContext | undefined;
  if (!withJavaScript(info)) {
    const html = await page.content();
    const address = page.url();
    scratch = await page.context().browser()!.newContext({ javaScriptEnabled: true, viewportSize: page.viewportSize() });
    await scratch.route(/\.(js|wasm)(\?.*)?$/, (route) => route.abort());
    await scratch.route(address, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
    target = await scratch.newPage();
    await target.goto(address);
  }
  try {
    const results = await new AxeBuilder({ page: target })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
      .analyze();
    const summary = results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    expect(summary, 'axe-core violations').toEqual([]);
  } finally {
    await scratch?.close();
  }
}

/** Undoes quoted-printable encoding, as a mail reader would. */
function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The newest link starting with `path` in an email to `to`, read from the
 * .eml files the server writes when no mail server is set. Waits for the
 * email worker, which delivers within a few seconds. `notThis` skips a link
 * already used, to wait for a newer one.
 */
export async function emailedLink(to: string, path: string, notThis?: string): Promise<string> {
  const folder = process.env.TENANT_VOICE_OUTBOX!;
  const pattern = new RegExp(`https?://[^\\s"<>]+${path.replace(/[?]/g, '\\?')}[0-9a-f]{64}`);
  let link: string | undefined;
  await expect
    .poll(
      () => {
        if (!existsSync(folder)) return undefined;
        const messages = readdirSync(folder)
          .filter((name) => name.endsWith('.eml'))
          .sort((a, b) => Number(a.split('-')[1].split('.')[0]) - Number(b.split('-')[1].split('.')[0]))
          .map((name) => decodeQuotedPrintable(readFileSync(join(folder, name), 'utf8')))
          .filter((message) => message.includes(`To: ${to}`));
        link = messages.reverse().map((message) => message.match(pattern)?.[0]).find(Boolean);
        return link === notThis ? undefined : link;
      },
      { message: `an email to ${to} with a ${path} link`, timeout: 15_000 },
    )
    .toBeTruthy();
  return link!;
}

/**
 * The text of every page of a PDF, read with PDF.js, a page per line. Pieces
 * of text that touch on the same line are joined without a space, so words
 * drawn in several runs (around the ligatures "fi" and "ff", say) read whole.
 */
export async function pdfText(pdf: Buffer): Promise<string> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const document = await pdfjs.getDocument({ data: new Uint8Array(pdf) }).promise;
  const pages: string[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const content = await (await document.getPage(number)).getTextContent();
    let text = '';
    let previous: { end: number; y: number } | null = null;
    for (const item of content.items) {
      if (!('str' in item) || item.str === '') continue;
      const [x, y] = [item.transform[4], item.transform[5]];
      const touching = previous !== null && Math.abs(previous.y - y) < 1 && Math.abs(previous.end - x) < 1;
      if (text !== '' && !touching) text += ' ';
      text += item.str;
      previous = item.hasEOL ? null : { end: x + item.width, y };
    }
    pages.push(text.replace(/\s+/g, ' '));
  }
  return pages.join('\n');
}
