import { readFileSync } from 'node:fs';
import { Page, TestInfo } from '@playwright/test';
import { expect, test, emailedLink, expectAccessible, url, waitUntilReady, watchForErrors } from './helpers';

/** Signs in through the sign-in page and the emailed link. */
async function signIn(page: Page, info: TestInfo, email: string, previous?: string): Promise<string> {
  await page.goto(url('/sign-in'));
  await waitUntilReady(page, info);
  await page.locator('#sign-in-email').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
  const link = await emailedLink(email, '/sign-in/link?token=', previous);
  await page.goto(link);
  await waitUntilReady(page, info);
  // The page names the account, partly hidden, before it signs anyone in.
  await expect(page.getByText('You are signing in as')).toContainText(email.slice(0, 1));
  await page.getByRole('button', { name: 'Sign in to Tenant Voice' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your account');
  return link;
}

async function signOut(page: Page, info: TestInfo) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signed-out$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('You are signed out');
  await waitUntilReady(page, info);
  await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toBeVisible();
}

test('a tenant registers, asks to join, is approved by staff, and signs in and out', async ({ page }, info) => {
  test.setTimeout(120_000);
  const errors = watchForErrors(page);
  const name = `Nia Brown ${info.project.name}`;
  const email = `nia.${info.project.name}@example.net`;

  // Register.
  await page.goto(url('/register'));
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('button', { name: 'Create my account' }).click();
  if (info.project.use.javaScriptEnabled !== false) {
    // The browser itself stops an empty required field.
    await expect(page).toHaveURL(/\/register$/);
  }
  // A mistake the server catches: the message says what is wrong, and what
  // was typed is still there, with or without JavaScript.
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email address').fill('nia@example');
  await page.getByRole('button', { name: 'Create my account' }).click();
  await expect(page.getByRole('alert')).toContainText('Enter an email address like name@example.org');
  await expect(page.getByLabel('Your name')).toHaveValue(name);
  await expect(page.getByLabel('Email address')).toHaveValue('nia@example');
  await expect(page.getByLabel('Email address')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, info);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Create my account' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
  await expectAccessible(page, info);

  // Follow the link in the welcome email.
  const welcome = await emailedLink(email, '/sign-in/link?token=');
  await page.goto(welcome);
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('button', { name: 'Sign in to Tenant Voice' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitUntilReady(page, info);
  await expect(page.getByText('You are not part of any landlord yet.')).toBeVisible();
  await expectAccessible(page, info);

  // Ask to join Brackenmoor Homes, first with a mistake.
  await page.goto(url('/landlords/brackenmoor-homes/join'));
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByLabel('Tenancy reference').fill('BH 204518 <flat 3>');
  await page.getByRole('button', { name: 'Ask to join' }).click();
  await expect(page.getByRole('alert')).toContainText('A tenancy reference has up to 40 letters');
  await expect(page.getByLabel('Tenancy reference')).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page, info);
  await page.getByLabel('Tenancy reference').fill('BH-204518');
  await page.getByRole('button', { name: 'Ask to join' }).click();
  await expect(page.getByRole('heading', { name: 'Your request is waiting' })).toBeVisible();
  await expectAccessible(page, info);
  await signOut(page, info);
  await expectAccessible(page, info);

  // Staff approve the request. (Each project signs in a different person,
  // so the two never read each other's sign-in emails.)
  const staff = info.project.use.javaScriptEnabled !== false ? 'priya.shah@example.org' : 'david.kerr@example.org';
  await signIn(page, info, staff);
  await page.getByRole('link', { name: 'People and requests to join at Brackenmoor Homes' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('People at Brackenmoor Homes');
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('button', { name: `Approve ${name}` }).click();
  await expect(page.getByRole('button', { name: `Approve ${name}` })).toHaveCount(0);
  await expect(page.getByRole('cell', { name, exact: true })).toBeVisible();
  await signOut(page, info);

  // The tenant is now a verified resident.
  await signIn(page, info, email, welcome);
  await expect(page.getByRole('link', { name: 'Brackenmoor Homes' })).toBeVisible();
  await expect(page.getByText('Resident', { exact: true })).toBeVisible();
  await page.goto(url('/landlords/brackenmoor-homes/join'));
  await expect(page.getByText('You are already part of Brackenmoor Homes as resident.')).toBeVisible();
  await signOut(page, info);
  // The refused tenancy reference is reported by the browser as a failed load.
  expect(errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
});

test('a used sign-in link says so and offers a new one', async ({ page }, info) => {
  const person = info.project.use.javaScriptEnabled !== false ? 'tom.whitfield@example.org' : 'stan.kowalski@example.org';
  const link = await signIn(page, info, person);
  await signOut(page, info);
  await page.goto(link);
  await waitUntilReady(page, info);
  // The page checks the link before offering to sign in with it.
  await expect(page.getByRole('button', { name: 'Sign in to Tenant Voice' })).toHaveCount(0);
  await expect(page.getByRole('alert')).toContainText('expired or has already been used');
  await expect(page.getByRole('link', { name: 'Email me a new sign-in link' })).toBeVisible();
  await expectAccessible(page, info);
});

test('a link used up while its page was open does not offer its button again', async ({ page, browser }, info) => {
  const person = info.project.use.javaScriptEnabled !== false ? 'ruth.adebayo@example.org' : 'lewis.grant@example.org';
  const first = await signIn(page, info, person);
  await signOut(page, info);
  await page.goto(url('/sign-in'));
  await page.locator('#sign-in-email').fill(person);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Check your email');
  const link = await emailedLink(person, '/sign-in/link?token=', first);
  await page.goto(link);
  await waitUntilReady(page, info);
  // Meanwhile the link is used from another browser.
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await elsewhere.goto(link);
  await elsewhere.getByRole('button', { name: 'Sign in to Tenant Voice' }).click();
  await expect(elsewhere).toHaveURL(/\/account$/);
  await other.close();
  await page.getByRole('button', { name: 'Sign in to Tenant Voice' }).click();
  await expect(page.getByRole('alert')).toContainText('This link did not work');
  await expect(page.getByRole('button', { name: 'Sign in to Tenant Voice' })).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Email me a new sign-in link' })).toBeVisible();
  await expectAccessible(page, info);
});

test('the demo personas page signs in with one click', async ({ page }, info) => {
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('button', { name: 'Sign in as Ruth Adebayo' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByText('Landlord administrator')).toBeVisible();
  await page.getByRole('link', { name: 'People and requests to join at Fernhill Vale Housing' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('People at Fernhill Vale Housing');
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.getByRole('link', { name: 'Read the audit log' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Audit log of Fernhill Vale Housing');
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
});

test('a person adds a password, signs in with it, downloads their data and deletes their account', async ({ page }, info) => {
  const person = info.project.use.javaScriptEnabled !== false
    ? { name: 'Grace Mensah', email: 'grace.mensah@example.org' }
    : { name: 'Eileen Doherty', email: 'eileen.doherty@example.org' };
  await page.goto(url('/demo'));
  await waitUntilReady(page, info);
  await page.getByRole('button', { name: `Sign in as ${person.name}` }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitUntilReady(page, info);

  await page.getByLabel('Password', { exact: true }).fill('short');
  await page.getByLabel('Type it again').fill('short');
  await page.getByRole('button', { name: 'Add password' }).click();
  await expect(page.getByRole('alert')).toContainText('Use at least 10 characters');
  await expectAccessible(page, info);
  await page.getByLabel('Password', { exact: true }).fill('green teapot sunday');
  await page.getByLabel('Type it again').fill('green teapot sunday');
  await page.getByRole('button', { name: 'Add password' }).click();
  await expect(page.getByRole('status')).toContainText('Your password is saved.');
  await expect(page.getByRole('button', { name: 'Change password' })).toBeVisible();

  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download everything Tenant Voice holds about you' }).click();
  const file = await (await download).path();
  const data = JSON.parse(readFileSync(file, 'utf8'));
  expect(data.email).toBe(person.email);
  expect(data.has_password).toBe(true);

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page).toHaveURL(/\/signed-out$/);
  await page.goto(url('/sign-in'));
  await waitUntilReady(page, info);
  // One way in at a time: the password has a step of its own.
  await expect(page.getByLabel('Password', { exact: true })).toHaveCount(0);
  await page.getByRole('link', { name: 'Sign in with your password instead' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in with your password');
  await waitUntilReady(page, info);
  await expectAccessible(page, info);
  await page.locator('#password-email').fill(person.email);
  await page.getByLabel('Password', { exact: true }).fill('green teapot saturday');
  await page.getByRole('button', { name: 'Sign in with password' }).click();
  await expect(page.getByRole('alert')).toContainText('That email address and password do not match');
  await expect(page.locator('#password-email')).toHaveValue(person.email);
  if (info.project.use.javaScriptEnabled === false) {
    // The server never sends a password back into a page.
    await expect(page.getByLabel('Password', { exact: true })).toHaveValue('');
  }
  await expectAccessible(page, info);
  await page.getByLabel('Password', { exact: true }).fill('green teapot sunday');
  await page.getByRole('button', { name: 'Sign in with password' }).click();
  await expect(page).toHaveURL(/\/account$/);
  await waitUntilReady(page, info);

  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByRole('alert')).toContainText('Tick the box');
  await page.getByLabel('I understand that deleting my account cannot be undone').check();
  await page.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your account was deleted');
  await expectAccessible(page, info);
  await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toBeVisible();
});
