import { readFileSync } from 'node:fs';
import { Page, TestInfo } from '@playwright/test';
import { expect, test, expectAccessible, url, waitUntilReady, watchForErrors, withJavaScript } from './helpers';

/** Signs in as a demo persona with one click on the demo page. */
async function signInAs(page: Page, info: TestInfo, name: string) {
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitUntilReady(page, info);
}

/** Console errors, less the browser's own note of a form the server refused on purpose. */
function unexpected(errors: string[]): string[] {
  return errors.filter((error) => !error.includes('status of 422'));
}

/** The last reporting year that has ended, as "2025/26". */
function lastYear(): string {
  const now = new Date();
  const start = now.getUTCMonth() >= 3 ? now.getUTCFullYear() - 1 : now.getUTCFullYear() - 2;
  return `${start}/${String((start + 1) % 100).padStart(2, '0')}`;
}

test('staff add a measure, import results with a mistake then without, and a resident reads and downloads them', async ({ page }, info) => {
  test.setTimeout(120_000);
  const errors = watchForErrors(page);
  // Each project works at its own landlord, so the two runs never meet.
  const js = withJavaScript(info);
  const landlord = js
    ? { slug: 'brackenmoor-homes', name: 'Brackenmoor Homes', staff: 'Priya Shah', reader: 'Aisha Rahman' }
    : { slug: 'fernhill-vale-housing', name: 'Fernhill Vale Housing', staff: 'Lewis Grant', reader: 'Sam Okafor' };
  const code = js ? 'LT01' : 'LT02';
  const year = lastYear();

  await signInAs(page, info, landlord.staff);
  await page.goto(url(`/landlords/${landlord.slug}/performance`));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'Local measures and settings' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Local measures and settings');
  await waitUntilReady(page, info);

  // A code that is taken: the message says so and the typed title stays.
  await page.getByLabel('Code').fill('TP01');
  await page.getByLabel('Title').fill('Lettings: days to re-let an empty home');
  await page.getByLabel('What it counts').fill('Average calendar days from a home becoming empty to the new tenancy starting.');
  await page.getByLabel('Unit').selectOption('days');
  await page.getByLabel('Which way is better').selectOption('lower');
  await page.getByRole('button', { name: 'Add measure' }).click();
  await expect(page.getByRole('alert')).toContainText('TP01 is a Tenant Satisfaction Measure already');
  await expect(page.getByLabel('Title')).toHaveValue('Lettings: days to re-let an empty home');
  await expect(page.getByLabel('Code')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, info);
  await page.getByLabel('Code').fill(code);
  if (!js) {
    // Without JavaScript the page came back from the server: choices are kept too.
    await expect(page.getByLabel('Unit')).toHaveValue('days');
  }
  await page.getByLabel('Unit').selectOption('days');
  await page.getByLabel('Which way is better').selectOption('lower');
  await page.getByRole('button', { name: 'Add measure' }).click();
  await expect(page.getByRole('link', { name: `Lettings: days to re-let an empty home (${code})` })).toBeVisible();

  // The downloadable template, sent back unchanged, is refused line by line:
  // its example figures would otherwise overwrite real results.
  const template = await (await page.request.get(url('/help/import-template.csv'))).text();
  await page.goto(url(`/landlords/${landlord.slug}/performance/import`));
  await waitUntilReady(page, info);
  await page.getByLabel('CSV file of results and targets').setInputFiles({
    name: 'results-template.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(template),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your file');
  await expect(page.getByRole('alert')).toContainText('problems with the file');
  const examples = template.trim().split('\n').length - 1;
  await expect(page.getByRole('row').filter({ hasText: "one of the template's example rows" })).toHaveCount(examples);
  await expect(page.getByRole('button', { name: /^Publish/ })).toHaveCount(0);

  // Import: a file with a mistake first.
  await page.goto(url(`/landlords/${landlord.slug}/performance/import`));
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  const header = 'measure,part,tenure,year,quarter,result,target,responses,method_note\n';
  await page.getByLabel('CSV file of results and targets').setInputFiles({
    name: 'lettings.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${header}${code},,LCRA,${year},,twenty,25,,\n`),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your file');
  await waitUntilReady(page, info);
  await expect(page.getByRole('alert')).toContainText('There is a problem with the file');
  const problem = page.getByRole('row').filter({ hasText: 'result' });
  await expect(problem).toContainText('2');
  await expectAccessible(page, info);

  // The corrected file: a preview, then publish.
  await page.getByLabel('CSV file of results and targets').setInputFiles({
    name: 'lettings.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${header}${code},,LCRA,${year},,31.5,25,,Includes homes needing major works\n`),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await expect(page.getByRole('status')).toContainText('1 row: 1 with new figures.');
  await waitUntilReady(page, info);
  await expect(page.getByRole('row').filter({ hasText: code })).toContainText('New: 31.5 days');
  await expectAccessible(page, info);
  await page.getByRole('button', { name: 'Publish these figures' }).click();
  await expect(page.getByRole('heading', { level: 2, name: /Published on/ })).toBeVisible();

  // Changing the figure just published says so in red words before the button.
  await page.goto(url(`/landlords/${landlord.slug}/performance/import`));
  await waitUntilReady(page, info);
  await page.getByLabel('CSV file of results and targets').setInputFiles({
    name: 'lettings.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(`${header}${code},,LCRA,${year},,30,25,,Includes homes needing major works\n`),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  const warning = page.getByRole('region', { name: 'This import changes figures already published' });
  await expect(warning).toContainText('result 31.5 days → 30 days');
  await expect(page.getByRole('button', { name: 'Publish, and correct 1 published figure' })).toBeVisible();
  await expectAccessible(page, info);
  await page.getByRole('button', { name: 'Set this file aside' }).click();
  await expect(page.getByText('This file was set aside.')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signed-out$/);

  // A resident reads the dashboard, with its charts, and downloads the figures.
  await signInAs(page, info, landlord.reader);
  await page.goto(url(`/landlords/${landlord.slug}/performance`));
  await waitUntilReady(page, info);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`How ${landlord.name} is doing`);
  // A plain summary first, then charts whose words are page text.
  await expect(page.locator('p.summary')).toContainText(/\d+ of \d+ results with a target met it in/);
  await expect(page.locator('figure.chart').filter({ hasText: 'What tenants told the landlord' }).first()).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: `Lettings: days to re-let an empty home (${code})` });
  await expect(row).toContainText('31.5 days');
  await expect(row).toContainText('Target missed');
  await expect(page.getByRole('link', { name: 'Import results' })).toHaveCount(0);
  await expectAccessible(page, info);

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: /^CSV/ }).first().click();
  const csv = readFileSync(await (await download).path(), 'utf8');
  expect(csv.split('\n')[0]).toContain('measure,measure_title');
  expect(csv).toContain(`${code},Lettings: days to re-let an empty home,,LCRA,${year}`);
  expect(csv).toContain('days,lower,31.5,25,missed');

  // A measure's own page: a trend chart, the whole history and the demo's
  // correction with its reason.
  const tp09 = "Satisfaction with the landlord's approach to handling complaints (TP09)";
  await page.getByRole('link', { name: tp09 }).first().click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(tp09);
  await waitUntilReady(page, info);
  await expect(page.locator('figure.chart').filter({ hasText: 'Rented homes, year by year' }).first()).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Corrections' })).toBeVisible();
  await expect(page.getByText('re-weighted the results')).toBeVisible();
  await expectAccessible(page, info);

  await page.getByRole('link', { name: 'Compare this measure across landlords' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('landlords compared');
  await waitUntilReady(page, info);
  await expect(page.getByRole('row').filter({ hasText: 'Brackenmoor Homes' })).toBeVisible();
  await expect(page.getByRole('row').filter({ hasText: 'Fernhill Vale Housing' })).toBeVisible();
  await expectAccessible(page, info);
  expect(unexpected(errors)).toEqual([]);
});

test('the commitments show both verdicts, and the panel chair records one', async ({ page }, info) => {
  test.setTimeout(90_000);
  const errors = watchForErrors(page);
  const js = withJavaScript(info);
  // Different commitments per project, so the two runs never meet.
  const commitment = js ? 'Relationships' : 'Communication';
  const chair = js ? 'Margaret Oyelaran' : 'Tom Whitfield';

  await page.goto(url('/landlords/brackenmoor-homes'));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'See what was promised and the verdicts' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('What Brackenmoor Homes promised');
  await waitUntilReady(page, info);
  await expect(page.getByRole('heading', { level: 2, name: 'Together with Tenants' })).toBeVisible();
  await expect(page.getByText("The tenant panel's verdict").first()).toBeVisible();
  await expectAccessible(page, info);

  await signInAs(page, info, chair);
  await page.goto(url('/landlords/brackenmoor-homes/commitments'));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: new RegExp(`\\d\\. ${commitment}`) }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(commitment);
  await waitUntilReady(page, info);
  await expect(page.getByRole('heading', { name: "Record the tenant panel's verdict" })).toBeVisible();
  // No evidence: refused, with the choices kept.
  await page.getByLabel('Is the commitment being kept?').selectOption('not_kept');
  await page.getByLabel('Evidence').fill('   ');
  await page.getByRole('button', { name: 'Record the verdict' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter the evidence for this verdict');
  await expectAccessible(page, info);
  const evidence = `Residents at the ${info.project.name} drop-in said letters went unanswered.`;
  await page.getByLabel('Is the commitment being kept?').selectOption('not_kept');
  await page.getByLabel('Evidence').fill(evidence);
  await page.getByRole('button', { name: 'Record the verdict' }).click();
  await expect(page.getByText(evidence)).toBeVisible();
  await expect(page.getByRole('heading', { name: 'History of this commitment' })).toBeVisible();
  await expectAccessible(page, info);
  expect(unexpected(errors)).toEqual([]);
});

test('staff start a charter of their own, and words that try to break out of a text box stay words', async ({ page }, info) => {
  test.setTimeout(90_000);
  const errors = watchForErrors(page);
  // Any script that escaped would open a dialog; none may.
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  const charter = `Our repairs promise (${info.project.name})`;
  const commitment = `Repairs on time (${info.project.name})`;
  const hostile = '</textarea></title></style></script></noscript><script>alert("escaped")</script><b>bold</b>';

  await signInAs(page, info, 'Priya Shah');
  await page.goto(url('/landlords/brackenmoor-homes/commitments'));
  await waitUntilReady(page, info);
  await page.getByLabel('Name of the charter').fill(charter);
  await page.getByLabel('What it is about').fill('What we promise about repairs, written with the panel.');
  await page.getByRole('button', { name: 'Start the charter' }).click();
  await expect(page.getByRole('heading', { level: 2, name: charter })).toBeVisible();
  await waitUntilReady(page, info);
  await expectAccessible(page, info);

  // Refused (a title of spaces only): what was typed is kept, exactly, and nothing runs.
  await page.getByLabel('Charter', { exact: true }).selectOption({ label: charter });
  await page.getByLabel('Title').fill('   ');
  await page.getByLabel('What tenants can expect').fill(hostile);
  await page.getByRole('button', { name: 'Add the commitment' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter');
  await expect(page.getByLabel('What tenants can expect')).toHaveValue(hostile);

  await page.getByLabel('Charter', { exact: true }).selectOption({ label: charter });
  await page.getByLabel('Title').fill(commitment);
  await page.getByLabel('What tenants can expect').fill(hostile);
  await page.getByRole('button', { name: 'Add the commitment' }).click();
  // The new commitment's own page, with its edit form.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(commitment);
  await waitUntilReady(page, info);
  // Shown back in the edit form, filled in as saved.
  await expect(page.getByLabel('What tenants can expect')).toHaveValue(hostile);
  await page.reload();
  await waitUntilReady(page, info);
  await expect(page.getByLabel('What tenants can expect')).toHaveValue(hostile);
  await expectAccessible(page, info);
  expect(dialogs).toEqual([]);
  expect(unexpected(errors)).toEqual([]);
});
