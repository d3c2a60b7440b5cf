import { Page, TestInfo } from '@playwright/test';
import { expect, test, expectAccessible, url, waitUntilReady, watchForErrors, withJavaScript } from './helpers';

async function signInAs(page: Page, info: TestInfo, name: string) {
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: `Sign in as ${name}` }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitUntilReady(page, info);
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signed-out$/);
}

/** Console errors, less the browser's own note of a form the server refused on purpose. */
function unexpected(errors: string[]): string[] {
  return errors.filter((error) => !/status of (409|422)/.test(error));
}

/** Today in the UK, as a date field takes it. */
function todayInUk(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
}

test('a resident proposes, the panel puts it forward, and the resident votes and changes a vote', async ({ page }, info) => {
  test.setTimeout(150_000);
  const errors = watchForErrors(page);
  const js = withJavaScript(info);
  // Each project at its own landlord, so the two runs never meet. Only one
  // opens a new vote, since a vote takes every proposal put forward.
  const landlord = js
    ? { slug: 'brackenmoor-homes', resident: 'Aisha Rahman', panel: 'Tom Whitfield', chair: 'Margaret Oyelaran' }
    : { slug: 'fernhill-vale-housing', resident: 'Sam Okafor', panel: 'Stan Kowalski', chair: '' };
  const title = `Slow gate repairs (${info.project.name})`;

  await signInAs(page, info, landlord.resident);
  await page.goto(url(`/landlords/${landlord.slug}`));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'Propose and vote on topics' }).click();
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('link', { name: 'Propose a topic' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Propose a topic for scrutiny');
  await waitUntilReady(page, info);

  // A part left empty: the message says which, and the rest stays typed.
  await page.getByLabel('A short title').fill(title);
  await page.getByLabel('What is the problem?').fill('The estate gates stay broken for weeks.');
  await page.getByLabel('Why does it matter?').fill('   ');
  await page.getByRole('button', { name: 'Send my proposal' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter why it matters');
  await expect(page.getByLabel('A short title')).toHaveValue(title);
  await expect(page.getByLabel('What is the problem?')).toHaveValue('The estate gates stay broken for weeks.');
  await expectAccessible(page, info);
  await page.getByLabel('Why does it matter?').fill('Anyone can walk in at night.');
  await page.getByRole('button', { name: 'Send my proposal' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.locator('#confirmation[role=status]')).toContainText(`Your proposal “${title}” is sent.`);
  await waitUntilReady(page, info);
  await expect(page.getByText('Waiting for the panel')).toBeVisible();
  const proposal = page.url();
  await expectAccessible(page, info);
  await signOut(page);

  // A panel member puts it forward.
  await signInAs(page, info, landlord.panel);
  await page.goto(proposal);
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('button', { name: 'Put forward for the next vote' }).click();
  // The button itself says the same words, so wait for it to go: the
  // decision has been saved, and only then sign out.
  await expect(page.getByRole('button', { name: 'Put forward for the next vote' })).toHaveCount(0);
  await expect(page.getByText('Put forward for the next vote', { exact: true })).toBeVisible();
  await signOut(page);

  let round: string;
  if (js) {
    // The chair opens a vote on everything put forward, from today.
    await signInAs(page, info, landlord.chair);
    await page.goto(url(`/landlords/${landlord.slug}/scrutiny/rounds/new`));
    await waitUntilReady(page, info);
    await expect(page.getByRole('listitem').filter({ hasText: title })).toBeVisible();
    await page.getByLabel('Name of the vote').fill('Winter topics');
    await page.getByLabel('Opens on').fill(todayInUk());
    await page.getByLabel('Votes each resident has').fill('5');
    await page.getByRole('button', { name: 'Open the vote' }).click();
    await expect(page.getByRole('alert')).toContainText('each resident can have at most');
    await expect(page.getByLabel('Name of the vote')).toHaveValue('Winter topics');
    await expectAccessible(page, info);
    await page.getByLabel('Votes each resident has').fill('2');
    await page.getByRole('button', { name: 'Open the vote' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Winter topics');
    round = page.url();
    await signOut(page);
  } else {
    // The demo's open vote.
    await page.goto(url(`/landlords/${landlord.slug}/scrutiny`));
    await page.getByRole('link', { name: 'Spring topics' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Spring topics');
    round = page.url();
  }

  // The resident asks to hear about votes, then votes, runs out of votes, and changes one.
  await signInAs(page, info, landlord.resident);
  await page.goto(url(`/landlords/${landlord.slug}/scrutiny`));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: 'Email me about votes' }).click();
  await expect(page.getByText('We email you when a vote opens and the day before it closes.')).toBeVisible();
  await waitUntilReady(page, info);
  await page.goto(round);
  await waitUntilReady(page, info);
  await expect(page.getByRole('status').filter({ hasText: 'You have used 0 of your 2 votes' })).toBeVisible();
  const voteButtons = page.getByRole('button', { name: /^Vote for this topic/ });
  await voteButtons.first().click();
  // The page says what was done, in the status region at its top.
  await expect(page.locator('#confirmation[role=status]')).toContainText(/You voted for “.+”\. You have 1 vote left\./);
  await expect(page).toHaveTitle(/^You voted for/);
  await expect(page.getByRole('status').filter({ hasText: 'You have used 1 of your 2 votes' })).toBeVisible();
  await page.getByRole('button', { name: /^Vote for this topic/ }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'You have used 2 of your 2 votes' })).toBeVisible();
  await page.getByRole('button', { name: /^Vote for this topic/ }).first().click();
  await expect(page.getByRole('alert')).toContainText('You have used all 2 of your votes');
  await expectAccessible(page, info);
  await page.getByRole('button', { name: /^Take back my vote/ }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'You have used 1 of your 2 votes' })).toBeVisible();
  await page.getByRole('button', { name: /^Vote for this topic/ }).last().click();
  await expect(page.getByRole('status').filter({ hasText: 'You have used 2 of your 2 votes' })).toBeVisible();
  await expect(page.getByText('The totals are shown when the vote closes.')).toBeVisible();
  await expect(page.getByRole('columnheader', { name: 'Votes' })).toHaveCount(0);
  await expectAccessible(page, info);

  // Last autumn's vote: results with a tie, and the topic the panel took on.
  await page.goto(url(`/landlords/${landlord.slug}/scrutiny`));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'Autumn topics' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Autumn topics');
  await waitUntilReady(page, info);
  await expect(page.getByText(/Final results: \d+ residents voted\./)).toBeVisible();
  await expect(page.getByText('Chosen for scrutiny').first()).toBeVisible();
  await expect(page.getByRole('cell', { name: /tied/ }).first()).toBeVisible();
  await expectAccessible(page, info);
  expect(unexpected(errors)).toEqual([]);
});

/**
 * On a draft review's page: a file that is not what its name says is
 * refused with the title kept; a real PDF joins the evidence log and
 * downloads as a file.
 */
async function uploadDocument(page: Page, info: TestInfo) {
  const review = page.url();
  await page.locator('#document-title').fill('Cleaning rota, photographed in block C');
  await page.locator('#document-file').setInputFiles({ name: 'rota.pdf', mimeType: 'application/pdf', buffer: Buffer.from('<html>not a PDF</html>') });
  await page.getByRole('button', { name: 'Upload the document' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your document was not added');
  await expect(page.getByRole('alert')).toContainText('it is not a PDF');
  await expect(page.locator('#document-title')).toHaveValue('Cleaning rota, photographed in block C');
  await expectAccessible(page, info);
  const pdf = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
  await page.locator('#document-file').setInputFiles({ name: 'rota.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
  await page.getByRole('button', { name: 'Upload the document' }).click();
  await expect(page).toHaveURL(review);
  await expect(page.getByRole('status')).toContainText('Your document is added to the evidence.');
  await waitUntilReady(page, info);
  const link = page.locator('.evidence-log').getByRole('link', { name: 'Cleaning rota, photographed in block C' });
  await expect(link).toBeVisible();
  const download = page.waitForEvent('download');
  await link.click();
  expect((await download).suggestedFilename()).toBe('rota.pdf');
}

test('the panel publishes a report, the landlord answers, and everyone sees what happened next', async ({ page }, info) => {
  test.setTimeout(150_000);
  const errors = watchForErrors(page);
  const js = withJavaScript(info);
  const inAMonth = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date(Date.now() + 30 * 86_400_000));
  // With JavaScript: the demo's draft at Brackenmoor is finished and
  // published. Without: Fernhill's published report gets its overdue answer.
  const landlord = js
    ? { slug: 'brackenmoor-homes', staff: 'Priya Shah' }
    : { slug: 'fernhill-vale-housing', staff: 'Lewis Grant' };
  const next = url(`/landlords/${landlord.slug}/scrutiny/what-happened-next`);
  let recommendation: string;

  if (js) {
    await signInAs(page, info, 'Tom Whitfield');
    await page.goto(next);
    await waitUntilReady(page, info);
    await page.getByRole('link', { name: 'Communal cleaning' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Communal cleaning');
    await waitUntilReady(page, info);
    await expectAccessible(page, info);
    await uploadDocument(page, info);
    await page.getByRole('button', { name: 'Add recommendation' }).click();
    // The browser itself stops an empty required field; the server's check is tested too.
    await page.getByLabel('Recommendation', { exact: true }).fill('   ');
    await page.getByRole('button', { name: 'Add recommendation' }).click();
    await expect(page.getByRole('alert')).toContainText('Enter the recommendation');
    recommendation = 'Clean every stairwell weekly and publish the rota in each block.';
    await page.getByLabel('Recommendation', { exact: true }).fill(recommendation);
    await page.getByRole('button', { name: 'Add recommendation' }).click();
    await expect(page.getByText(recommendation)).toBeVisible();
    await signOut(page);

    await signInAs(page, info, 'Margaret Oyelaran');
    await page.goto(next);
    await waitUntilReady(page, info);
    await page.getByRole('link', { name: 'Communal cleaning' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Communal cleaning');
    await waitUntilReady(page, info);
    await page.getByRole('button', { name: 'Publish the report' }).click();
    await expect(page.getByText(/Report published on/)).toBeVisible();
    await signOut(page);
  } else {
    // Fernhill's draft review gets a document; its published report an answer.
    await signInAs(page, info, 'Stan Kowalski');
    await page.goto(next);
    await waitUntilReady(page, info);
    await page.getByRole('link', { name: 'Communal cleaning' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Communal cleaning');
    await uploadDocument(page, info);
    await signOut(page);
    recommendation = 'Publish first-visit fix rates every quarter, by contractor.';
  }

  // The landlord answers the recommendation.
  await signInAs(page, info, landlord.staff);
  await page.goto(next);
  await waitUntilReady(page, info);
  const line = page.getByRole('row').filter({ hasText: recommendation });
  await line.getByRole('link').click();
  await waitUntilReady(page, info);
  const form = page.locator('form').filter({ has: page.getByRole('button', { name: 'Publish the answer' }) });
  const option = await form.locator('option', { hasText: recommendation.slice(0, 40) }).getAttribute('value');
  await form.getByLabel('Recommendation to answer').selectOption(option!);
  await form.getByLabel("The landlord's answer").selectOption('accepted');
  await form.getByLabel('Why', { exact: true }).fill('Residents are right: the rota was not kept.');
  await form.getByRole('button', { name: 'Publish the answer' }).click();
  // Accepted needs an action: the message says so, and the choices stay.
  await expect(page.getByRole('alert')).toContainText('Enter what will be done');
  await expect(form.getByLabel('Recommendation to answer')).toHaveValue(option!);
  await expect(form.getByLabel('Why', { exact: true })).toHaveValue('Residents are right: the rota was not kept.');
  await expectAccessible(page, info);
  await form.getByLabel("The landlord's answer").selectOption('accepted');
  await form.getByLabel('What will be done').fill('A weekly rota, checked by the estate officer and posted in each block.');
  await form.getByLabel('Who is responsible').fill('Estates manager');
  await form.getByLabel('Due by').fill(inAMonth);
  await form.getByRole('button', { name: 'Publish the answer' }).click();
  await expect(page.locator('#confirmation')).toContainText('Your answer (“accepted”) is published with the report.');
  await expect(page.getByRole('listitem').filter({ hasText: recommendation }).getByText('Accepted, in progress')).toBeVisible();
  await signOut(page);

  // Anyone reads what happened next.
  await page.goto(next);
  await waitUntilReady(page, info);
  await expect(page.getByRole('row').filter({ hasText: recommendation })).toContainText('Accepted, in progress');
  await expect(page.getByRole('row').filter({ hasText: recommendation })).toContainText('Due by');
  await expectAccessible(page, info);
  expect(unexpected(errors)).toEqual([]);
});
