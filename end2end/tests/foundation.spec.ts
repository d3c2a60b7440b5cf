import { expect, test, expectAccessible, url, waitUntilReady, watchForErrors, withJavaScript } from './helpers';

const pages = [
  { path: '/', heading: 'Hold your landlord to its promises', status: 200 },
  { path: '/about', heading: 'About Tenant Voice', status: 200 },
  { path: '/landlords/brackenmoor-homes', heading: 'Brackenmoor Homes', status: 200 },
  { path: '/landlords/no-such-landlord', heading: 'Page not found', status: 404 },
];

for (const { path, heading, status } of pages) {
  test(`${path} renders, hydrates and passes axe-core`, async ({ page }, info) => {
    const errors = watchForErrors(page);
    const response = await page.goto(url(path));
    expect(response?.status()).toBe(status);
    await waitUntilReady(page, info);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(heading);
    await expect(page.getByRole('main')).toBeVisible();
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(page.getByRole('contentinfo')).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en-GB');
    await expectAccessible(page, info);
    // The 404 itself is reported by the browser as a failed resource load.
    expect(errors.filter((e) => !(status === 404 && e.includes('404')))).toEqual([]);
  });
}

test('a resident finds a landlord from the home page and sees its sections', async ({ page }, info) => {
  await page.goto(url('/'));
  await waitUntilReady(page, info);
  await expect(page.getByText('Demo portal.')).toBeVisible();
  const list = page.getByRole('list').filter({ hasText: 'Fernhill Vale Housing' });
  await expect(list.getByRole('listitem')).toHaveCount(2);

  await page.getByRole('link', { name: 'Fernhill Vale Housing' }).click();
  await expect(page).toHaveURL(/\/landlords\/fernhill-vale-housing$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Fernhill Vale Housing');
  await expect(page).toHaveTitle('Fernhill Vale Housing · Tenant Voice');
  for (const section of ['Commitments', 'Performance', 'Scrutiny', 'Annual reviews']) {
    await expect(page.getByRole('region', { name: section })).toBeVisible();
  }
  // A page with nothing interactive loads no code: a full page load between
  // pages, no script files and no WebAssembly. (Leptos still writes two
  // tiny inline scripts that set empty lists.)
  expect(await page.locator('script[src], script[type=module], link[rel=modulepreload]').count()).toBe(0);
  await expectAccessible(page, info);
});

test('the skip link is the first thing a keyboard reaches and moves to the content', async ({ page }, info) => {
  await page.goto(url('/about'));
  await waitUntilReady(page, info);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#main$/);
});

test('pages fit a 320 pixel phone without sideways scrolling', async ({ page }, info) => {
  await page.setViewportSize({ width: 320, height: 640 });
  for (const path of ['/', '/landlords/brackenmoor-homes', '/about']) {
    await page.goto(url(path));
    await waitUntilReady(page, info);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
  }
});
