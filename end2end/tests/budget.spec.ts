import { Browser, Page, TestInfo } from '@playwright/test';
import { expect, test, url, waitUntilReady, withJavaScript } from './helpers';

/**
 * What a first visit downloads, page by page: the HTML and every script,
 * style sheet, WebAssembly module, font and image it brings, counted as the
 * bytes that crossed the wire (compressed as served; Chromium asks for br).
 * Bytes, never time: the same build gives the same figures.
 */
const PUBLIC_BUDGET = 30 * 1024;
const ANY_BUDGET = 100 * 1024;

const LANDLORD = '/landlords/brackenmoor-homes';
const REVIEWS = '/landlords/fernhill-vale-housing';

/** The first address on `path` that matches `pattern`. */
async function firstLink(page: Page, path: string, pattern: RegExp): Promise<string> {
  await page.goto(url(path));
  const hrefs = await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  const found = hrefs.find((href) => pattern.test(href));
  expect(found, `a link matching ${pattern} on ${path}`).toBeTruthy();
  return found!.split('#')[0];
}

/** Bytes a browser with an empty cache downloads to show `path`. */
async function firstVisit(browser: Browser, info: TestInfo, path: string, signInAs?: string): Promise<{ bytes: number; files: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: withJavaScript(info) });
  const page = await context.newPage();
  if (signInAs) {
    await page.goto(url('/demo'));
    await page.getByRole('button', { name: `Sign in as ${signInAs}` }).click();
    await expect(page).toHaveURL(/\/account$/);
  }
  // As on a first visit: nothing comes from the browser's cache.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const sizes = new Map<string, number>();
  cdp.on('Network.loadingFinished', (event) => sizes.set(event.requestId, event.encodedDataLength));
  const names = new Map<string, string>();
  cdp.on('Network.responseReceived', (event) => names.set(event.requestId, new URL(event.response.url).pathname));
  const response = await page.goto(url(path));
  expect(response?.status(), path).toBeLessThan(path === '/no-such-page' ? 500 : 400);
  await waitUntilReady(page, info);
  await page.waitForLoadState('networkidle');
  const files = [...sizes.keys()].map((id) => `${names.get(id)} ${sizes.get(id)}`);
  const bytes = [...sizes.values()].reduce((sum, n) => sum + n, 0);
  await context.close();
  return { bytes, files };
}

test('every kind of page fits its download budget on a first visit', async ({ browser, page }, info) => {
  test.skip(!withJavaScript(info), 'with JavaScript on a browser downloads the most; that is what is budgeted');
  test.setTimeout(180_000);
  const review = await firstLink(page, `${LANDLORD}/scrutiny/what-happened-next`, /\/scrutiny\/reviews\/\d+$/);
  const publicPages = [
    '/',
    '/about',
    '/sign-in',
    '/register',
    '/no-such-page',
    '/compare',
    LANDLORD,
    `${LANDLORD}/commitments`,
    await firstLink(page, `${LANDLORD}/commitments`, /\/commitments\/\d+$/),
    `${LANDLORD}/performance`,
    await firstLink(page, `${LANDLORD}/performance`, /\/performance\/[A-Z]{2}\d+/),
    `${LANDLORD}/scrutiny`,
    await firstLink(page, `${LANDLORD}/scrutiny`, /\/scrutiny\/proposals\/\d+$/),
    await firstLink(page, `${LANDLORD}/scrutiny`, /\/scrutiny\/rounds\/\d+$/),
    review,
    await firstLink(page, review, /\/scrutiny\/recommendations\/\d+$/),
    `${LANDLORD}/scrutiny/what-happened-next`,
    `${REVIEWS}/annual-reviews`,
    await firstLink(page, `${REVIEWS}/annual-reviews`, /\/annual-reviews\/\d{4}$/),
  ];
  const signedIn: [string, string][] = [
    ['/account', 'Priya Shah'],
    [`${LANDLORD}/people`, 'David Kerr'],
    [`${LANDLORD}/audit`, 'David Kerr'],
    [`${LANDLORD}/performance/import`, 'Priya Shah'],
    [`${LANDLORD}/performance/manage`, 'Priya Shah'],
    [`${LANDLORD}/scrutiny/propose`, 'Aisha Rahman'],
    [`${LANDLORD}/scrutiny/rounds/new`, 'Margaret Oyelaran'],
    [`${LANDLORD}/comments/reported`, 'Margaret Oyelaran'],
    [`${LANDLORD}/commitments`, 'Priya Shah'],
    [`${REVIEWS}/annual-reviews`, 'Eileen Doherty'],
  ];
  const figures: string[] = [];
  const over: string[] = [];
  for (const path of publicPages) {
    const { bytes, files } = await firstVisit(browser, info, path);
    figures.push(`${String(bytes).padStart(7)}  public     ${path}  [${files.join(', ')}]`);
    if (bytes > PUBLIC_BUDGET) over.push(`${path}: ${bytes} bytes, over the public budget of ${PUBLIC_BUDGET}`);
  }
  for (const [path, person] of signedIn) {
    const { bytes, files } = await firstVisit(browser, info, path, person);
    figures.push(`${String(bytes).padStart(7)}  signed in  ${path} (${person})  [${files.join(', ')}]`);
    if (bytes > ANY_BUDGET) over.push(`${path} (${person}): ${bytes} bytes, over the budget of ${ANY_BUDGET}`);
  }
  console.log(`First-visit downloads, bytes as served:\n${figures.join('\n')}`);
  expect(over).toEqual([]);
});
