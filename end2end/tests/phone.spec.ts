import { Page, TestInfo } from '@playwright/test';
import { expect, test, url, waitUntilReady } from './helpers';

// Every kind of page, signed out and as each kind of person, on a 320 px
// phone: nothing scrolls sideways, text stays readable, and the demo
// banner and breadcrumb stay small. The pages are found by following the
// links people see, one page of each kind (a proposal, a review, a
// section…), so a new kind of page is checked without being listed here.

/** The kind of page an address is: numbers, years and codes made general. */
function kindOf(path: string): string {
  return path
    .replace(/\/landlords\/[^/]+/, '/landlords/:slug')
    .replace(/\/\d{4}(?=\/|$)/g, '/:year')
    .replace(/\/\d+(?=\/|$)/g, '/:id')
    .replace(/\/(performance|compare)\/(?!import|manage)[A-Za-z]+[0-9]+[A-Za-z0-9-]*/, '/$1/:code');
}

/** Links on the page worth following: pages of this site, not files. */
async function pageLinks(page: Page): Promise<string[]> {
  const origin = new URL(url('/')).origin;
  const hrefs = await page.locator('a[href]').evaluateAll((links) =>
    links.filter((a) => !a.hasAttribute('download')).map((a) => (a as HTMLAnchorElement).href),
  );
  return hrefs
    .map((href) => new URL(href))
    .filter((u) => u.origin === origin)
    .filter((u) => !/\.(csv|json|pdf|svg|txt)$|\/open-data\/|\/documents\/|\/help\//.test(u.pathname))
    .filter((u) => !/sign-out|signed-out|account-deleted|sign-in\/link|invitations\/accept|confirm-email/.test(u.pathname))
    .map((u) => u.pathname + (u.search.includes('page=') ? '' : u.search));
}

/** What, on this page, is wider than the screen or too small to read. */
async function problems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow > 0) {
      const wide = Array.from(document.querySelectorAll('main *'))
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 3)
        .map((e) => `<${e.tagName.toLowerCase()} class="${e.getAttribute('class') ?? ''}">`);
      found.push(`scrolls sideways by ${overflow} px (${wide.join(', ')})`);
    }
    // Text people read, drawn smaller than 14 px (chart text included).
    for (const e of Array.from(document.querySelectorAll('main p, main li, main td, main th, main dt, main dd, main text, main label, main a'))) {
      const box = e.getBoundingClientRect();
      if (box.width === 0 || !(e.textContent ?? '').trim()) continue;
      const size = e.tagName.toLowerCase() === 'text'
        ? box.height
        : parseFloat(getComputedStyle(e).fontSize);
      if (size < 13.5) {
        found.push(`text at ${size.toFixed(1)} px: "${(e.textContent ?? '').trim().slice(0, 40)}"`);
        break;
      }
    }
    const banner = document.querySelector('.demo-banner');
    if (banner && banner.getBoundingClientRect().height > 80) {
      found.push(`the demo banner is ${Math.round(banner.getBoundingClientRect().height)} px tall`);
    }
    // A breadcrumb with its last step alone on a line of its own.
    const steps = Array.from(document.querySelectorAll('.breadcrumb li')).filter((li) => li.getBoundingClientRect().width > 0);
    if (steps.length > 1) {
      const last = steps[steps.length - 1].getBoundingClientRect();
      const before = steps[steps.length - 2].getBoundingClientRect();
      if (last.top > before.top + 4 && last.width < 120) {
        found.push(`the breadcrumb's "${(steps[steps.length - 1].textContent ?? '').trim()}" sits alone on a line`);
      }
    }
    return found;
  });
}

async function signInAs(page: Page, info: TestInfo, name: string) {
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page).toHaveURL(/\/account$/);
}

/** Visits one page of each kind reachable from `start`, and returns the kinds seen and what was wrong. */
async function walk(page: Page, info: TestInfo, start: string[], limit: number) {
  const seen = new Set<string>();
  const queue = [...start];
  const wrong: string[] = [];
  while (queue.length > 0 && seen.size < limit) {
    const path = queue.shift()!;
    const kind = kindOf(path.split('?')[0]);
    if (seen.has(kind)) continue;
    seen.add(kind);
    const response = await page.goto(url(path));
    if ((response?.status() ?? 500) >= 400) {
      // Staff-only pages a person cannot open are not this test's concern.
      continue;
    }
    await waitUntilReady(page, info);
    for (const problem of await problems(page)) wrong.push(`${path}: ${problem}`);
    for (const next of await pageLinks(page)) {
      if (!seen.has(kindOf(next.split('?')[0]))) queue.push(next);
    }
  }
  return { seen, wrong };
}

const people: { who: string | null; starts: string[] }[] = [
  { who: null, starts: ['/', '/sign-in', '/register', '/compare'] },
  { who: 'Aisha Rahman', starts: ['/account', '/landlords/brackenmoor-homes/scrutiny/propose', '/landlords/brackenmoor-homes/scrutiny'] },
  { who: 'Margaret Oyelaran', starts: ['/landlords/brackenmoor-homes/scrutiny', '/landlords/brackenmoor-homes/annual-reviews', '/landlords/brackenmoor-homes/scrutiny/rounds/new'] },
  { who: 'David Kerr', starts: ['/landlords/brackenmoor-homes', '/landlords/brackenmoor-homes/people', '/landlords/brackenmoor-homes/audit', '/landlords/brackenmoor-homes/performance/manage', '/landlords/brackenmoor-homes/performance/import', '/landlords/brackenmoor-homes/comments/reported'] },
];

for (const { who, starts } of people) {
  test(`every kind of page fits a 320 px phone ${who ? `for ${who}` : 'signed out'}`, async ({ page }, info) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width: 320, height: 640 });
    if (who) await signInAs(page, info, who);
    const { seen, wrong } = await walk(page, info, starts, 60);
    expect(wrong, wrong.join('\n')).toEqual([]);
    // The walk really reached the pages people use most.
    const expected = who === null
      ? ['/', '/about', '/landlords/:slug', '/landlords/:slug/commitments', '/landlords/:slug/commitments/:id',
         '/landlords/:slug/performance', '/landlords/:slug/performance/:code', '/landlords/:slug/scrutiny',
         '/landlords/:slug/scrutiny/proposals/:id', '/landlords/:slug/scrutiny/rounds/:id',
         '/landlords/:slug/scrutiny/reviews/:id', '/landlords/:slug/scrutiny/recommendations/:id',
         '/landlords/:slug/scrutiny/what-happened-next', '/landlords/:slug/annual-reviews',
         '/landlords/:slug/annual-reviews/:year', '/compare', '/compare/:code', '/sign-in', '/register']
      : ['/account'];
    for (const kind of expected) expect([...seen], `never reached ${kind}`).toContain(kind);
  });
}
