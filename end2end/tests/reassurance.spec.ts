import { Page, TestInfo } from '@playwright/test';
import { expect, test, expectAccessible, url, waitUntilReady, watchForErrors, withJavaScript } from './helpers';

async function signInAs(page: Page, info: TestInfo, name: string) {
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page).toHaveURL(/\/account$/);
  // Signing in says so too.
  await expect(page.locator('#confirmation[role=status]')).toContainText('You are signed in');
}

test('an action says that it worked, clears its form, and the same form sent twice is done once', async ({ page }, info) => {
  const errors = watchForErrors(page);
  const js = withJavaScript(info);
  const landlord = js
    ? { slug: 'brackenmoor-homes', staff: 'Priya Shah' }
    : { slug: 'fernhill-vale-housing', staff: 'Lewis Grant' };
  const charter = `Promises we keep (${info.project.name})`;
  await signInAs(page, info, landlord.staff);
  await page.goto(url(`/landlords/${landlord.slug}/commitments`));
  await waitUntilReady(page, info);
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Start the charter' }) });
  await page.getByLabel('Name of the charter').fill(charter);
  // The fields exactly as the browser sends them, one-time key and all.
  const action = (await form.getAttribute('action'))!;
  const fields: [string, string][] = await form.evaluate((f) =>
    Array.from(new FormData(f as HTMLFormElement).entries()).map(([k, v]) => [k, String(v)] as [string, string]),
  );
  expect(fields.map(([name]) => name)).toContain('__once');

  // Pressed twice in a hurry: the page says it worked, not that the name is taken.
  await page.getByRole('button', { name: 'Start the charter' }).dblclick();
  const done = page.locator('#confirmation[role=status]');
  await expect(done).toContainText(`Your charter “${charter}” is started.`);
  await expect(page).toHaveTitle(new RegExp(`^Your charter “${charter.replace(/[()]/g, '\\$&')}” is started\\.`));
  await expect(page.getByRole('alert')).toHaveCount(0);
  // The form is empty again, ready for something new.
  await expect(page.getByLabel('Name of the charter')).toHaveValue('');
  await expectAccessible(page, info);

  // The same form sent again (the back button, then Send): answered as the
  // first time, and nothing is made twice.
  const again = await page.request.post(url(action), {
    form: Object.fromEntries(fields),
    headers: { Accept: 'text/html', Origin: new URL(url('/')).origin, Referer: page.url() },
    maxRedirects: 0,
  });
  expect(again.status()).toBe(302);
  expect(again.headers()['location']).not.toContain('__err');
  await page.reload();
  await waitUntilReady(page, info);
  await expect(page.getByRole('heading', { level: 2, name: charter })).toHaveCount(1);
  // Shown once: a reload is quiet.
  await page.reload();
  await expect(done).toHaveCount(0);
  expect(errors).toEqual([]);
});
