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

test('people discuss a topic, the landlord answers officially, and a moderator hides a comment', async ({ page }, info) => {
  test.setTimeout(150_000);
  const errors = watchForErrors(page);
  const js = withJavaScript(info);
  // Each project at its own landlord, so the two runs never meet.
  const landlord = js
    ? { slug: 'brackenmoor-homes', resident: 'Aisha Rahman', staff: 'Priya Shah', moderator: 'Margaret Oyelaran', name: 'Brackenmoor Homes' }
    : { slug: 'fernhill-vale-housing', resident: 'Sam Okafor', staff: 'Lewis Grant', moderator: 'Ruth Adebayo', name: 'Fernhill Vale Housing' };
  const mine = `Our block has it *too*, on every floor (${info.project.name}).`;
  const shown = `Our block has it too, on every floor (${info.project.name}).`;

  // Anyone can read the conversation; signing in is needed to join it.
  await page.goto(url(`/landlords/${landlord.slug}/scrutiny`));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'Damp and mould in older flats' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Damp and mould in older flats');
  await waitUntilReady(page, info);
  const topic = page.url();
  await expect(page.getByText('Please vote for this one.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in' }).last()).toBeVisible();
  await expectAccessible(page, info);

  // A resident comments: nothing typed is lost when it is refused, and
  // Markdown emphasis shows as emphasis.
  await signInAs(page, info, landlord.resident);
  await page.goto(topic);
  await waitUntilReady(page, info);
  await page.getByRole('textbox', { name: 'Your comment', exact: true }).fill('   ');
  await page.getByRole('button', { name: 'Post my comment' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter your comment');
  await expectAccessible(page, info);
  await page.getByRole('textbox', { name: 'Your comment', exact: true }).fill(mine);
  await page.getByRole('button', { name: 'Post my comment' }).click();
  // It says so at the top, and the box is empty, so nobody posts it twice.
  await expect(page.getByRole('status').filter({ hasText: 'Your comment is posted.' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Your comment', exact: true })).toHaveValue('');
  const comment = page.getByRole('article', { name: `Comment by ${landlord.resident}` }).filter({ hasText: shown });
  await expect(comment).toBeVisible();
  await expect(comment.locator('em')).toHaveText('too');
  await waitUntilReady(page, info);

  // They change it within the 15 minutes, and readers see it was changed.
  await page.locator('li.comment').filter({ has: comment }).getByRole('link', { name: /^Change/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Comment by ${landlord.resident}`);
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('textbox', { name: 'Your comment', exact: true }).fill(`${mine} Since October.`);
  await page.getByRole('button', { name: 'Save the change' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your change is saved.' })).toBeVisible();
  await waitUntilReady(page, info);
  await expect(page.getByText(`${shown} Since October.`)).toBeVisible();
  await expect(page.locator('li.comment').filter({ hasText: 'Since October.' }).getByText('(edited)')).toBeVisible();

  // They reply to another resident's comment.
  const earlier = page.locator('li.comment').filter({ hasText: 'Please vote for this one.' });
  await earlier.getByRole('link', { name: /^Reply/ }).click();
  await waitUntilReady(page, info);
  await page.getByLabel('Your reply').fill('I will, and I hope your son is better soon.');
  await page.getByRole('button', { name: 'Post my reply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your reply is posted.' })).toBeVisible();
  await waitUntilReady(page, info);
  await expect(earlier.locator('ol.replies')).toContainText('I hope your son is better soon.');
  await signOut(page);

  // The landlord's staff answer the resident's comment officially, in reply to it.
  await signInAs(page, info, landlord.staff);
  await page.goto(topic);
  await waitUntilReady(page, info);
  const question = page.locator('ol.comment-list > li.comment').filter({ hasText: 'Since October.' });
  await question.getByRole('link', { name: /^Reply/ }).first().click();
  await waitUntilReady(page, info);
  await page.getByLabel('Your reply').fill('We are surveying every 1960s block this winter, starting in December.');
  await page.getByLabel(`Post as the official answer from ${landlord.name}`).check();
  await page.getByRole('button', { name: 'Post my reply' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your official answer is posted.' })).toBeVisible();
  await waitUntilReady(page, info);
  const official = question.locator('ol.replies li.comment.official').filter({ hasText: 'surveying every 1960s block' });
  await expect(official).toBeVisible();
  await expect(official.getByText('Official answer to this comment')).toBeVisible();
  const answers = page.locator('ul.official-answers');
  await expect(answers).toContainText(`answering ${landlord.resident}`);
  await expect(answers).toContainText('surveying every 1960s block');
  await expectAccessible(page, info);
  await signOut(page);

  // A moderator hides the resident's comment; a note with the reason stays.
  await signInAs(page, info, landlord.moderator);
  await page.goto(topic);
  await waitUntilReady(page, info);
  await page.locator('li.comment').filter({ hasText: 'Since October.' }).getByRole('link', { name: `Moderate ${landlord.resident}’s comment` }).click();
  await waitUntilReady(page, info);
  await page.getByLabel('Why are you hiding it?').fill('   ');
  await page.getByRole('button', { name: 'Hide the comment' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter the reason');
  await page.getByLabel('Why are you hiding it?').fill('Please keep to the topic in this thread.');
  await page.getByRole('button', { name: 'Hide the comment' }).click();
  await expect(page.getByRole('button', { name: 'Show it again' })).toBeVisible();
  await expectAccessible(page, info);
  await page.goto(topic);
  await waitUntilReady(page, info);
  await expect(page.getByText('Their reason: Please keep to the topic in this thread.')).toBeVisible();
  await expect(page.getByText('Since October.')).toHaveCount(0);
  await expectAccessible(page, info);

  // The demo's chosen topic: replies, an official response, a hidden comment.
  await page.goto(url(`/landlords/${landlord.slug}/scrutiny`));
  await waitUntilReady(page, info);
  await page.getByRole('link', { name: 'Repairs that need a second visit' }).click();
  await waitUntilReady(page, info);
  await expect(page.getByText('Official answer').first()).toBeVisible();
  await expect(page.getByText(/It names a member of staff/)).toBeVisible();
  expect(unexpected(errors)).toEqual([]);
});
