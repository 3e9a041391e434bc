import { expect, test, type Page } from '@playwright/test';
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { signOut, signUp, synced, uniqueEmail, watchConsole } from './helpers';

// The rest alert with the screen off, end to end on our side. Push services are outside
// this machine, so the test runs one on loopback: the app's server delivers to it, and it
// checks each message as a push service does (the VAPID token, signed by the key the
// browser subscribed with) and reads it as the browser would (RFC 8291, with the
// subscription's private key). Chromium cannot subscribe without its push service, so the
// page's PushManager hands out this test's subscription; the decrypted message is then
// delivered to the app's service worker through the DevTools protocol, as Chromium's
// push service would.

type Received = { path: string; headers: http.IncomingHttpHeaders; body: Buffer; at: number };

class PushService {
  readonly messages: Received[] = [];
  private server!: http.Server;
  origin = '';

  async start() {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        this.messages.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() });
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop() {
    this.server.close();
  }
}

const b64url = (b: Buffer) => b.toString('base64url');

/** The browser's side of a subscription: a P-256 key pair and a 16-byte secret. */
class Subscription {
  readonly ecdh = crypto.createECDH('prime256v1');
  readonly auth = crypto.randomBytes(16);
  constructor(readonly endpoint: string) {
    this.ecdh.generateKeys();
  }

  json() {
    return {
      endpoint: this.endpoint,
      expirationTime: null,
      keys: { p256dh: b64url(this.ecdh.getPublicKey()), auth: b64url(this.auth) },
    };
  }

  /** RFC 8291 (aes128gcm, one record), as the browser decrypts a message. */
  decrypt(body: Buffer): string {
    const salt = body.subarray(0, 16);
    const idlen = body[20];
    const serverKey = body.subarray(21, 21 + idlen);
    const sealed = body.subarray(21 + idlen);
    const shared = this.ecdh.computeSecret(serverKey);
    const info = Buffer.concat([Buffer.from('WebPush: info\0'), this.ecdh.getPublicKey(), serverKey]);
    const ikm = Buffer.from(crypto.hkdfSync('sha256', shared, this.auth, info, 32));
    const cek = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
    const nonce = Buffer.from(crypto.hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
    const decipher = crypto.createDecipheriv('aes-128-gcm', cek, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    const padded = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]);
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end -= 1;
    expect(padded[end], 'the last record ends with the delimiter 2').toBe(2);
    return padded.subarray(0, end).toString('utf8');
  }
}

/** Checks the VAPID header as a push service does; returns the token's claims. */
function checkVapid(headers: http.IncomingHttpHeaders, publicKey: string, origin: string) {
  const header = headers.authorization ?? '';
  const t = /t=([^,\s]+)/.exec(header)?.[1] ?? '';
  const k = /k=([^,\s]+)/.exec(header)?.[1] ?? '';
  expect(header.startsWith('vapid ')).toBeTruthy();
  expect(k, 'k= is the key the browser subscribed with').toBe(publicKey);
  const point = Buffer.from(k, 'base64url');
  const key = crypto.createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64url(point.subarray(1, 33)), y: b64url(point.subarray(33, 65)) },
    format: 'jwk',
  });
  const [h, p, s] = t.split('.');
  const valid = crypto.verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  expect(valid, 'the VAPID token is signed by k=').toBeTruthy();
  expect(JSON.parse(Buffer.from(h, 'base64url').toString()).alg).toBe('ES256');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
  expect(claims.aud).toBe(origin);
  expect(claims.exp * 1000).toBeGreaterThan(Date.now());
  expect(claims.exp * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
  return claims;
}

/** The page's answer to a rest-alert request (`PUT` schedules, `DELETE` cancels). */
function restRequest(page: Page, method: string) {
  return page.waitForResponse((r) => r.url().endsWith('/api/push/rest') && r.request().method() === method);
}

test('a rest alert reaches the service worker with no page open, and a skipped rest sends none', async ({ browser, baseURL }) => {
  test.setTimeout(120_000);
  const service = new PushService();
  await service.start();
  const sub = new Subscription(`${service.origin}/push/e2e`);
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, permissions: ['notifications'] });
  await context.addInitScript((s) => {
    // What Chromium's push service would hand out: this test's subscription.
    const subscription = {
      endpoint: s.endpoint,
      expirationTime: null,
      toJSON: () => s,
      unsubscribe: async () => true,
    };
    PushManager.prototype.subscribe = async function (options: PushSubscriptionOptionsInit) {
      localStorage.setItem('test.subscribed-with', JSON.stringify({
        userVisibleOnly: options.userVisibleOnly,
        key: options.applicationServerKey,
      }));
      return subscription as unknown as PushSubscription;
    };
    PushManager.prototype.getSubscription = async () => subscription as unknown as PushSubscription;
  }, sub.json());
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());

  // Settings: turned on, with the server's key.
  await page.goto('/settings');
  await synced(page);
  await page.getByTestId('rest-alerts-enable').click();
  await expect(page.getByTestId('rest-alerts-on')).toBeVisible();
  const publicKey = (await (await context.request.get('/api/push/key')).json()).publicKey;
  const asked = JSON.parse((await page.evaluate(() => localStorage.getItem('test.subscribed-with'))) ?? '{}');
  expect(asked).toEqual({ userVisibleOnly: true, key: publicKey });

  // A workout whose exercise rests 4 s.
  await page.goto('/workout');
  await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
  await page.getByTestId('start-empty').click();
  await page.getByTestId('log-exercise-search').fill('barbell curl');
  await page.getByRole('button', { name: 'Add Curl (Barbell)' }).click();
  await page.getByText('Notes, rest, superset').click();
  await page.getByLabel('Rest (s)').fill('4');
  await page.getByLabel('Rest (s)').press('Tab');
  await page.getByTestId('log-add-set').click();
  await page.getByTestId('log-add-set').click();
  const sets = page.getByTestId('log-set');
  await expect(sets).toHaveCount(3);

  // Ticked offline: nothing can be asked then. Back online mid-rest, the alert is asked
  // for the rest as it is (what is left of it); skipped, it is cancelled; nothing comes.
  await context.setOffline(true);
  await sets.first().getByTestId('tick').click();
  await expect(page.getByTestId('rest-left')).toBeVisible();
  const scheduled = restRequest(page, 'PUT');
  await context.setOffline(false);
  expect((await scheduled).status()).toBe(204);
  const offlineAlert = (await scheduled).request().postDataJSON();
  expect(offlineAlert).toMatchObject({ next: 'Curl (Barbell) · set 2' });
  expect(offlineAlert.inMs).toBeLessThan(4_000);
  const cancelled = restRequest(page, 'DELETE');
  await page.getByTestId('rest-skip').click();
  expect((await cancelled).status()).toBe(204);
  await page.waitForTimeout(6_000);
  expect(service.messages, 'a skipped rest sends nothing').toHaveLength(0);

  // Ticked, and the screen goes off: no page is left to count.
  const again = restRequest(page, 'PUT');
  await sets.nth(1).getByTestId('tick').click();
  expect((await again).status()).toBe(204);
  await page.close();
  await expect.poll(() => service.messages.length, { timeout: 15_000 }).toBe(1);
  const [got] = service.messages;
  expect(got.path).toBe('/push/e2e');
  expect(got.headers['content-encoding']).toBe('aes128gcm');
  expect(got.headers.urgency).toBe('high');
  checkVapid(got.headers, publicKey, service.origin);
  const text = sub.decrypt(got.body);
  const message = JSON.parse(text);
  expect(message).toMatchObject({
    title: 'Rest over',
    body: 'Next: Curl (Barbell) · set 3',
    tag: 'ezlift-rest',
    url: '/workout',
  });
  expect(got.at).toBeGreaterThanOrEqual(message.ends_at);

  // Chromium's push service delivers it to the worker, which shows the notification.
  const viewer = await context.newPage();
  await viewer.goto('/settings');
  await synced(viewer);
  const cdp = await context.newCDPSession(viewer);
  const registration = new Promise<string>((resolve) => {
    cdp.on('ServiceWorker.workerRegistrationUpdated', (e: any) => {
      const ours = e.registrations.find((r: any) => r.scopeURL.startsWith(baseURL) && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send('ServiceWorker.enable');
  const delivered = Date.now();
  await cdp.send('ServiceWorker.deliverPushMessage', {
    origin: new URL(baseURL!).origin,
    registrationId: await registration,
    data: text,
  });
  const shown = async () =>
    viewer.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      return (await reg.getNotifications({ tag: 'ezlift-rest' })).map((n) => ({
        title: n.title,
        body: n.body,
        url: n.data?.url,
        timestamp: n.timestamp,
      }));
    });
  await expect.poll(async () => (await shown()).length, { timeout: 10_000 }).toBe(1);
  const [notification] = await shown();
  expect(notification).toMatchObject({ title: 'Rest over', body: 'Next: Curl (Barbell) · set 3', url: '/workout' });
  console.log(
    `rest end → push service ${got.at - message.ends_at} ms; delivered → notification ${
      notification.timestamp - delivered
    } ms`,
  );

  // Turned off: the server forgets this browser, and an alert for it is refused.
  await viewer.getByTestId('rest-alerts-disable').click();
  await expect(viewer.getByTestId('rest-alerts-enable')).toBeVisible();
  const refused = await context.request.put('/api/push/rest', {
    headers: { origin: new URL(baseURL!).origin },
    data: { endpoint: sub.endpoint, inMs: 1000, sessionId: 'x' },
  });
  expect(refused.status()).toBe(410);

  // On again, then another user signs in on this browser: alerts are off for them (the
  // subscription is this user's until they turn alerts on).
  await viewer.getByTestId('rest-alerts-enable').click();
  await expect(viewer.getByTestId('rest-alerts-on')).toBeVisible();
  await signOut(viewer);
  await signUp(viewer, uniqueEmail());
  await viewer.goto('/settings');
  await synced(viewer);
  await expect(viewer.getByTestId('rest-alerts-enable')).toBeVisible();
  expect(errors).toEqual([]);
  service.stop();
  await context.close();
});
