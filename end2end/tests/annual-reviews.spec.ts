import { Browser, Page, TestInfo } from '@playwright/test';
import { expect, test, expectAccessible, pdfText, url, waitUntilReady, watchForErrors, withJavaScript } from './helpers';

async function signInAs(page: Page, info: TestInfo, name: string) {
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitUntilReady(page, info);
}

/** A second person in their own browser window, with JavaScript as the project has it. */
async function secondPerson(browser: Browser, info: TestInfo): Promise<Page> {
  const context = await browser.newContext({ javaScriptEnabled: withJavaScript(info) });
  return context.newPage();
}

/** Console errors, less the browser's own note of a form the server refused on purpose. */
function unexpected(errors: string[]): string[] {
  return errors.filter((error) => !/status of (409|422)/.test(error));
}

/** The reporting year (April to March) that ended most recently, by the year it started. */
function lastFullYear(): number {
  const now = new Date();
  const started = now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return started - 1;
}

test('the chair starts an annual review, two people write the same section without losing a word, the panel signs it off, the landlord responds and publishes', async ({ page, browser }, info) => {
  test.setTimeout(150_000);
  const errors = watchForErrors(page);
  const js = withJavaScript(info);
  // Each project reviews its own year at Brackenmoor, so the runs never meet.
  const year = js ? lastFullYear() : lastFullYear() + 1;
  const yearLabel = `${year}/${String((year + 1) % 100).padStart(2, '0')}`;

  await signInAs(page, info, 'Margaret Oyelaran');
  await page.goto(url('/landlords/brackenmoor-homes'));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'Read the annual reviews' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Annual reviews');
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByLabel('The year to review').selectOption(String(year));
  await page.getByRole('button', { name: 'Start the review' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Annual review ${yearLabel}`);
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('link', { name: 'Introduction', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Introduction');
  await waitUntilReady(page, info);
  const section = page.url();

  // Tom opens the same section before Margaret saves.
  const tom = await secondPerson(browser, info);
  const tomErrors = watchForErrors(tom);
  await signInAs(tom, info, 'Tom Whitfield');
  await tom.goto(section);
  await waitUntilReady(tom, info);

  const margarets = 'This year the panel met eleven times and visited every estate.';
  await page.getByLabel('Text of the section').fill(margarets);
  await page.getByRole('button', { name: 'Save this section' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved as revision 1.' })).toBeVisible();
  await waitUntilReady(page, info);
  await page.getByLabel('Add a note for the other authors').fill('Tom, could you add the meetings with staff?');
  await page.getByRole('button', { name: 'Add the note' }).click();
  await expect(page.getByText('Tom, could you add the meetings with staff?')).toBeVisible();
  await expectAccessible(page, info);

  // Tom's save started from nothing, as did Margaret's: they overlap, so his
  // text is kept and shown beside hers.
  const toms = 'Frontline staff joined three of our meetings.';
  await tom.getByLabel('Text of the section').fill(toms);
  await tom.getByRole('button', { name: 'Save this section' }).click();
  await expect(tom.getByRole('heading', { name: "Your changes overlap someone else's" })).toBeVisible();
  await waitUntilReady(tom, info);
  await expect(tom.getByLabel('Text of the section')).toHaveValue(toms);
  await expect(tom.locator('pre.current-version')).toHaveText(margarets);
  // Replacing her words is a separate, explained choice; he combines them.
  await expect(tom.getByRole('button', { name: 'Replace their version with mine' })).toBeVisible();
  await expect(tom.getByText(/This puts your version in place of the one saved by Margaret Oyelaran/)).toBeVisible();
  await expectAccessible(tom, info);
  await tom.getByLabel('Text of the section').fill(`${margarets}\n\n${toms}`);
  await tom.getByRole('button', { name: 'Save the combined text' }).click();
  await expect(tom.getByRole('status').filter({ hasText: 'Saved as revision 2.' })).toBeVisible();
  await waitUntilReady(tom, info);
  await expect(tom.locator('.section-text')).toContainText('eleven times');
  await expect(tom.locator('.section-text')).toContainText('three of our meetings');

  // The history shows what changed between the two revisions.
  await tom.getByRole('link', { name: 'See every revision' }).click();
  await expect(tom.getByRole('heading', { level: 1 })).toHaveText('History: Introduction');
  await waitUntilReady(tom, info);
  await tom.getByLabel('Compare').selectOption('1');
  await tom.getByLabel('with').selectOption('2');
  await tom.getByRole('button', { name: 'Show the differences' }).click();
  await expect(tom.getByRole('heading', { name: 'From revision 1 to revision 2' })).toBeVisible();
  await expect(tom.locator('ins')).toContainText('three of our meetings');
  await expectAccessible(tom, info);

  const review = url(`/landlords/brackenmoor-homes/annual-reviews/${year}`);
  await page.goto(review);
  await waitUntilReady(page, info);
  await expect(page.getByRole('listitem').filter({ hasText: 'Introduction' })).toContainText('revision 2');

  // Every section agreed, then the chair asks the panel to sign it off.
  const sections = await page.locator('ol.sections > li > a').evaluateAll((links) => links.map((a) => a.getAttribute('href')!));
  expect(sections.length).toBeGreaterThan(5);
  for (const section of sections) {
    await page.goto(url(section));
    await waitUntilReady(page, info);
    await page.getByLabel('State', { exact: true }).selectOption('agreed');
    await page.getByRole('button', { name: 'Save where it stands' }).click();
    await expect(page.locator('h1 + p')).toHaveText(/^Agreed/);
  }
  await page.goto(review);
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: 'Ask the panel to sign off' }).click();
  await page.getByRole('button', { name: 'I sign off this review' }).click();
  await expect(page.getByText('You have signed it off.')).toBeVisible();
  await expectAccessible(page, info);

  // Tom signs too: two of the panel's two, so it is signed off.
  await tom.goto(review);
  await waitUntilReady(tom, info);
  await tom.getByRole('button', { name: 'I sign off this review' }).click();
  await expect(tom.getByText(/^Signed off on /)).toBeVisible();
  await tom.context().close();

  // The landlord's staff respond and publish.
  const priya = await secondPerson(browser, info);
  const priyaErrors = watchForErrors(priya);
  await signInAs(priya, info, 'Priya Shah');
  await priya.goto(review);
  await waitUntilReady(priya, info);
  await expect(priya.getByText(/The landlord's response is due by/)).toBeVisible();
  await priya.getByRole('textbox', { name: "The landlord's response" }).fill('We thank the panel. We will report on each point at the spring meeting.');
  await priya.getByRole('button', { name: 'Save the response', exact: true }).click();
  await expect(priya.getByRole('button', { name: 'Publish the review with this response' })).toBeVisible();
  // And answers the first section on its own.
  await priya.goto(url(sections[0]));
  await waitUntilReady(priya, info);
  await priya.getByRole('textbox', { name: 'The landlord’s response to this section (optional)' }).fill('We will add a second evening surgery.');
  await priya.getByRole('button', { name: 'Save the response to this section' }).click();
  await expect(priya.getByText('The response to this section is saved.')).toBeVisible();
  await expectAccessible(priya, info);
  await priya.goto(review);
  await waitUntilReady(priya, info);
  await priya.getByRole('button', { name: 'Publish the review with this response' }).click();
  await expect(priya.getByRole('navigation', { name: 'Contents' })).toBeVisible();
  await priya.context().close();

  // Anyone reads it, and it prints without the site's navigation and forms.
  const reader = await secondPerson(browser, info);
  const readerErrors = watchForErrors(reader);
  await reader.goto(review);
  await waitUntilReady(reader, info);
  await expect(reader.getByRole('heading', { level: 1 })).toHaveText(`Annual review ${yearLabel}`);
  await expect(reader.getByRole('navigation', { name: 'Contents' })).toBeVisible();
  await expect(reader.getByText('Frontline staff joined three of our meetings.')).toBeVisible();
  await expect(reader.getByText('We will report on each point at the spring meeting.')).toBeVisible();
  await expect(reader.getByText('We will add a second evening surgery.')).toBeVisible();
  await expect(reader.locator('figure.chart svg').first()).toBeVisible();
  await expectAccessible(reader, info);
  await reader.emulateMedia({ media: 'print' });
  await expect(reader.getByRole('navigation', { name: 'Breadcrumb' })).toBeHidden();
  await expect(reader.getByRole('heading', { name: 'Introduction' })).toBeVisible();
  const printed = await pdfText(await reader.pdf({ format: 'A4' }));
  for (const heading of [`Annual review ${yearLabel}`, 'Contents', 'Introduction', 'Sign-off', 'The landlord’s response to this section', "The landlord's response"]) {
    expect(printed).toContain(heading);
  }
  expect(printed).toContain('We will add a second evening surgery.');
  // The site's navigation, the demo banner and the breadcrumb are not printed.
  for (const screenOnly of ['Sign in', 'Try it as someone else', 'Brackenmoor Homes']) {
    expect(printed).not.toContain(screenOnly);
  }
  await reader.context().close();
  expect(unexpected(errors)).toEqual([]);
  expect(unexpected(tomErrors)).toEqual([]);
  expect(unexpected(priyaErrors)).toEqual([]);
  expect(unexpected(readerErrors)).toEqual([]);
});
